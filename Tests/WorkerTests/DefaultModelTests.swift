import Foundation
import ScanPipeline
import TestSupport
import Verifier
import XCTest

/// The committed default model (`models/default`, what `verify` and `work` use without `--model`)
/// loads with its own preprocessing profile and sorts the bundled sample scans correctly — a guard
/// against committing a broken or mismatched bundle. (Its held-out quality on real scans is guarded
/// by `RealScanGuardTests` and measured by `scripts/train-default-model.sh`.)
///
/// Pinned: the real photographs and page (`camera`, `horse`, `page`: not signatures) and two of the
/// reference's signature scans. Not pinned, each for a written reason:
/// - `aug1200_00.png`, `invalid224_01.png`, `invalid224_02.jpg`: the reference recipe's generated
///   patterns (random Bézier strokes called a signature; circles, polylines and boxes called a
///   non-signature, SPEC §4). Since the model trained on 331 more writers, its negatives are the
///   kinds a back office meets (blank paper, boxes, printed and handwritten text, page crops, stamps,
///   barcodes, pictures) and no longer the line-art patterns, which real
///   stylised signatures (NFI's loops and flourishes) resemble: leave-one-dataset-out validation
///   chose that (README, "The default model"), and these patterns are not a verdict to pin either way.
/// - `scan600_01.jpg`: a generated signature scan (faint, blurred strokes) the model rejects on
///   reconstruction (0.105 against 0.100); the model is judged
///   on real scans (`RealScanGuardTests`), not on the reference's generated ones.
final class DefaultModelTests: XCTestCase {
    func testDefaultModelSortsTheBundledSamples() throws {
        let scanVerifier = try ScanVerifier(modelFolder: FixturePaths.packageRoot.appendingPathComponent("models/default"))
        XCTAssertEqual(scanVerifier.profile.name, scanVerifier.bundle.parameters.preprocessing?.name)
        XCTAssertEqual(scanVerifier.profile.name, "clean")
        XCTAssertEqual(scanVerifier.profile.version, 1, "leave-one-dataset-out chose version 1 over 2 (README, \"The default model\")")
        let samples = FixturePaths.packageRoot.appendingPathComponent("samples")
        let expected: [(file: String, valid: Bool)] = [
            ("scan1500_00.jpg", true), ("scan600_04.png", true),
            ("camera.png", false), ("horse.png", false), ("page.png", false),
        ]
        let prepared = try expected.map { try scanVerifier.prepare([UInt8](Data(contentsOf: samples.appendingPathComponent($0.file)))) }
        let verdicts = try scanVerifier.verify(prepared)
        XCTAssertEqual(verdicts.count, expected.count)
        for (verification, sample) in zip(verdicts, expected) {
            XCTAssertEqual(verification.verdict == .valid, sample.valid,
                           "\(sample.file): \(verification.verdict) (mse \(verification.reconstructionError), "
                           + "forest \(verification.anomalyScore), classifier \(verification.classifierConfidence))")
        }
    }
}
