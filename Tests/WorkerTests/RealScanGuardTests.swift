import Foundation
import Preprocessing
import ScanPipeline
import TestSupport
import Training
import Verifier
import XCTest

/// The regression guard on real scans: the committed default model on the writer-disjoint test
/// split of every shared dataset (`data/all-split.tsv`, `scripts/all-split.sh`; no training,
/// early-stopping or calibration step saw these writers, and no recipe was chosen on them), joined by
/// generated non-signatures of a seed no training run uses — the set `scripts/train-default-model.sh`
/// reports on. Skips, saying so, where the shared scans are absent (they are not part of the
/// repository; CI has them).
final class RealScanGuardTests: XCTestCase {
    static let negativesSeed: UInt64 = 2026
    /// Bars a little under the committed model's measured figures (README, "The default model": accuracy
    /// 0.956, signatures 0.985, non-signatures 0.838 — the realistic kinds 0.992, the reference's
    /// line-art patterns 0.59, as the recipe does not train on them — and per source 0.75 (Chinese
    /// test writers, 15/20), CEDAR 0.917, NFI 0.933, the others 0.947 to 1.000), so a retrained model
    /// that is worse fails here.
    static let minimumAccuracy = 0.93
    static let minimumAccepted = 0.96
    static let minimumRejected = 0.80
    static let minimumAcceptedPerSource = 0.65

    func testDefaultModelOnTheWriterDisjointTestSplitOfEveryDataset() throws {
        guard let shared = FixturePaths.sharedData else {
            throw XCTSkip("../shared/data is absent: the real-scan guard needs the labelled real scans and writers")
        }
        let split = FixturePaths.packageRoot.appendingPathComponent("data/all-split.tsv").path
        let tests = try DatasetListing.labelsFile(split, root: shared.path).filter { $0.role == .test }
        XCTAssertGreaterThan(tests.filter { $0.label == .valid }.count, 1000)

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
        XCTAssertEqual(scored.count, tests.count + 200, "every real test scan and generated negative was scored")
        let report = EvaluationReport(samples: scored, thresholds: CriterionThresholds(bundle.parameters))
        let summary = String(format: "accuracy %.3f, signatures accepted %.3f, non-signatures rejected %.3f",
                             report.verdict.accuracy, report.verdict.recall, report.verdict.specificity)
        XCTAssertGreaterThanOrEqual(report.verdict.accuracy, Self.minimumAccuracy, summary)
        XCTAssertGreaterThanOrEqual(report.verdict.recall, Self.minimumAccepted, summary)
        XCTAssertGreaterThanOrEqual(report.verdict.specificity, Self.minimumRejected, summary)
        // Each source of signatures on its own (BHSig260 Hindi and Bengali apart): the verdict's recall.
        for source in Set(tests.filter { $0.label == .valid }.map(\.source)).sorted() {
            let accepted = try XCTUnwrap(report.perSource[source]).recall
            XCTAssertGreaterThanOrEqual(accepted, Self.minimumAcceptedPerSource, "\(source): \(accepted) of its test signatures accepted")
        }
    }
}
