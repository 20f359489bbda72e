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
    /// Bars a little under the committed model's measured figures (README, "The default model",
    /// `d2c84df2`: signatures 0.997 of 1,563, per source CEDAR 0.979, Chinese 0.950, the others 0.992
    /// to 1.000; on this guard's own 200 generated negatives with the real ones: accuracy 0.957,
    /// realistic non-signatures refused 0.932, the reference's line-art patterns 0.182), so a retrained
    /// model that is worse fails here. Since `d2c84df2` (stop 34) the signature side is held higher
    /// (accepted 0.96 → 0.98, per source 0.65 → 0.90) and the non-signature side lower (realistic
    /// 0.95 → 0.92, line art 0.30 → 0.15): the leave-one-dataset-out table chose a calibration that
    /// lets up to 10 % of the validation non-signatures pass (`cpfar10`: every left-out dataset's
    /// signatures 0.944–1.000 accepted, realistic non-signatures 0.956 refused), where `c43c6326`
    /// refused 0.992 of the realistic ones here and accepted 0.988 of the signatures. 0.92 is the
    /// issue's floor for each class on the hidden sets; line art is not trained on.
    static let minimumAccuracy = 0.92
    static let minimumAccepted = 0.98
    static let minimumRejectedRealistic = 0.92
    static let minimumRejectedLineArt = 0.15
    static let minimumAcceptedPerSource = 0.90

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
        // Each generated image's source is its kind ("synthetic-stamp" for stamp_0007.png), as scripts/split-common.sh names them.
        let generated = try DatasetListing.folder(negatives.appendingPathComponent("invalid").path, label: .invalid).map { file in
            var named = file
            let stem = ((file.path as NSString).lastPathComponent as NSString).deletingPathExtension
            named.source = "synthetic-" + (stem.range(of: "_", options: .backwards).map { String(stem[..<$0.lowerBound]) } ?? stem)
            return named
        }

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
        let (realistic, lineArt) = Self.rejected(report)
        XCTAssertTrue(report.perSource.keys.contains("synthetic-stamp") && report.perSource.keys.contains("synthetic-circles"),
                      "generated negatives are told apart by kind: \(report.perSource.keys.sorted())")
        XCTAssertGreaterThanOrEqual(realistic, Self.minimumRejectedRealistic, "realistic non-signatures rejected; " + summary)
        XCTAssertGreaterThanOrEqual(lineArt, Self.minimumRejectedLineArt, "line-art patterns rejected; " + summary)
        // Each source of signatures on its own (BHSig260 Hindi and Bengali apart): the verdict's recall.
        for source in Set(tests.filter { $0.label == .valid }.map(\.source)).sorted() {
            let accepted = try XCTUnwrap(report.perSource[source]).recall
            XCTAssertGreaterThanOrEqual(accepted, Self.minimumAcceptedPerSource, "\(source): \(accepted) of its test signatures accepted")
        }
    }

    /// The share of non-signatures rejected: real ones with the realistic generated kinds, and apart the
    /// generated kinds that are not realistic (the reference's line-art patterns).
    static func rejected(_ report: EvaluationReport) -> (realistic: Double, lineArt: Double) {
        let realisticKinds = Set(NonSignatureKind.realistic.map { "synthetic-" + $0.rawValue })
        var realistic = (rejected: 0, total: 0), lineArt = (rejected: 0, total: 0)
        for (source, metrics) in report.perSource where metrics.confusion.truePositives + metrics.confusion.falseNegatives == 0 {
            let c = metrics.confusion
            let isLineArt = source.hasPrefix("synthetic-") && !realisticKinds.contains(source)
            if isLineArt {
                lineArt = (lineArt.rejected + c.trueNegatives, lineArt.total + c.trueNegatives + c.falsePositives)
            } else {
                realistic = (realistic.rejected + c.trueNegatives, realistic.total + c.trueNegatives + c.falsePositives)
            }
        }
        return (Double(realistic.rejected) / Double(max(realistic.total, 1)), Double(lineArt.rejected) / Double(max(lineArt.total, 1)))
    }
}
