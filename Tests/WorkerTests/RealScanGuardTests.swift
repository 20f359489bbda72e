import Foundation
import Preprocessing
import TestSupport
import Training
import Verifier
import Worker
import XCTest

/// The regression guard on real scans: the committed default model on the writer-disjoint test
/// split of `../shared/data/real` (`data/real-split.tsv`; no training, early-stopping or calibration
/// step saw these writers), joined by generated non-signatures of a seed no training run uses —
/// the same set `scripts/train-default-model.sh` reports on. Skips, saying so, where the real scans
/// are absent (they are not part of the repository; CI has them).
final class RealScanGuardTests: XCTestCase {
    static let negativesSeed: UInt64 = 2026

    func testDefaultModelOnTheWriterDisjointRealTestSplit() throws {
        guard let real = FixturePaths.realScans else {
            throw XCTSkip("../shared/data/real is absent: the real-scan guard needs the labelled real scans")
        }
        let split = FixturePaths.packageRoot.appendingPathComponent("data/real-split.tsv").path
        let tests = try DatasetListing.labelsFile(split, root: real.path).filter { $0.role == .test }
        XCTAssertGreaterThan(tests.filter { $0.label == .valid }.count, 100)

        let negatives = FileManager.default.temporaryDirectory.appendingPathComponent("guard-negatives-\(getpid())")
        defer { try? FileManager.default.removeItem(at: negatives) }
        _ = try SyntheticDatasetWriter.write(SynthesisRequest(validCount: 0, invalidCount: 200, outputDirectory: negatives.path,
                                                              seed: Self.negativesSeed))
        let generated = try DatasetListing.folder(negatives.appendingPathComponent("invalid").path, label: .invalid)

        let folder = FixturePaths.packageRoot.appendingPathComponent("models/default")
        let bundle = try ModelBundle.load(from: folder)
        let profile = try PreprocessingProfile.forBundle(bundle.parameters)
        let (scored, skipped) = try ModelScoring.score(files: tests + generated, bundle: bundle, profile: profile)
        XCTAssertEqual(skipped, [])
        let report = EvaluationReport(samples: scored, thresholds: CriterionThresholds(bundle.parameters))
        let summary = String(format: "accuracy %.3f, signatures accepted %.3f, non-signatures rejected %.3f",
                             report.verdict.accuracy, report.verdict.recall, report.verdict.specificity)
        XCTAssertGreaterThanOrEqual(report.verdict.accuracy, 0.93, summary)
        XCTAssertGreaterThanOrEqual(report.verdict.recall, 0.90, summary)
        XCTAssertGreaterThanOrEqual(report.verdict.specificity, 0.90, summary)
        XCTAssertEqual(scored.count, tests.count + 200, "every real test scan and generated negative was scored")
    }
}
