import Foundation
import Preprocessing
import TestSupport
import Training
import Verifier
import Worker
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
    /// 0.957, signatures 0.982, non-signatures 0.856 — the realistic kinds 0.967, the reference's
    /// line-art patterns 0.68, as the recipe no longer trains on them — and per dataset 0.70 (Chinese
    /// test writers, 14/20) to 1.000), so a retrained model that is worse fails here.
    static let minimumAccuracy = 0.93
    static let minimumAccepted = 0.96
    static let minimumRejected = 0.80
    static let minimumAcceptedPerDataset = 0.65

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
        for (dataset, accepted) in acceptedShare(byDataset: tests, scored: scored, thresholds: CriterionThresholds(bundle.parameters)) {
            XCTAssertGreaterThanOrEqual(accepted, Self.minimumAcceptedPerDataset, "\(dataset): \(accepted) of its test signatures accepted")
        }
    }

    /// The share of each dataset's test signatures the verdict accepted (the `dataset` column).
    private func acceptedShare(byDataset tests: [LabeledFile], scored: [ScoredSample],
                               thresholds: CriterionThresholds) -> [String: Double] {
        let datasetOf = Dictionary(tests.map { ($0.path, $0.fields["dataset"] ?? $0.source) }, uniquingKeysWith: { a, _ in a })
        var counts: [String: (accepted: Int, total: Int)] = [:]
        for sample in scored where sample.label == .valid {
            guard let dataset = datasetOf[sample.path] else { continue }
            var c = counts[dataset, default: (0, 0)]
            c.total += 1
            if sample.verdict(thresholds) { c.accepted += 1 }
            counts[dataset] = c
        }
        return counts.mapValues { Double($0.accepted) / Double($0.total) }
    }
}
