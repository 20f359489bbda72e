import ArgumentParser
import Foundation
import Preprocessing
import ScanPipeline
import Training
import Verifier

/// `sigverify evaluate`: how good a model bundle is on labelled scans — JSON report plus pictures.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a model bundle on labelled scans (report.json and PNG pictures).",
        discussion: """
            Writes REPORT_DIR/report.json (precision, recall, F1, accuracy and confusion matrix of the verdict \
            and of each criterion alone, ROC-AUC and EER of each score, per-source breakdown, misclassified \
            files) and PNG pictures: confusion matrices, per-criterion score histograms (valid vs. invalid, \
            threshold marked) and, when the bundle has metrics_history.json, the training curves. \
            Without --model the bundled default model is used (as for verify).
            """)

    @Option(name: .long, help: "Model bundle folder (default: the bundled default model).")
    var model: String?

    @OptionGroup var scans: LabelledScanOptions

    @Option(name: .long, help: "Report folder (created if missing).")
    var out: String

    @Option(name: .long, help: ArgumentHelp("Score with another version of the bundle's profile (its recorded parameters kept): what a retrain with it would start from.", valueName: "N"))
    var profileVersion: Int?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a profile parameter for this evaluation (repeatable).", valueName: "NAME=VALUE"))
    var overrides: [String] = []

    @Option(name: .long, help: "Worker threads for decoding and preprocessing.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard !scans.isEmpty else {
            throw ValidationError("nothing to evaluate: give --valid, --invalid or --labels")
        }
    }

    func run() throws {
        let folder = try ModelLocation.resolve(model)
        let bundle: ModelBundle
        do { bundle = try ModelBundle.load(from: folder) } catch {
            throw CommandFailure("cannot load model bundle \(folder.path): \(error)")
        }
        let profile = try PreprocessingProfile.forBundle(bundle.parameters).adjusted(version: profileVersion, overrides: overrides)
        let files = try scans.listFiles()
        let (samples, skipped) = try ModelScoring.score(files: files, bundle: bundle, profile: profile, threads: threads,
                                                        warn: { warn($0) })
        let report = EvaluationReport(
            samples: samples,
            thresholds: CriterionThresholds(bundle.parameters),
            model: "\(folder.path) (version \(bundle.version), profile \(profile.label))")
        let historyURL = folder.appendingPathComponent(TrainingHistory.fileName)
        let history = FileManager.default.fileExists(atPath: historyURL.path)
            ? try? JSONDecoder().decode(MetricsHistory.self, from: Data(contentsOf: historyURL)) : nil
        let fonts: FontLibrary
        do { fonts = try FontLibrary() } catch { throw CommandFailure("pictures need a font: \(error)") }
        let written = try report.write(to: out, samples: samples, history: history, fonts: fonts)

        print("model \(folder.path) version \(bundle.version), profile \(profile.label); "
              + "\(report.validCount) valid + \(report.invalidCount) invalid images (\(skipped.count) skipped)")
        print("                 accuracy  valid accepted  invalid rejected  precision  F1     ROC-AUC  EER    "
              + "alone rejected (valid / invalid)")
        func row(_ name: String, _ m: DecisionMetrics, _ c: CriterionReport?) {
            let auc = c?.rocAUC.map { String(format: "%.3f", $0) } ?? "  -  "
            let eer = c?.equalErrorRate.map { String(format: "%.3f", $0) } ?? "  -  "
            let alone = c.map { "  \($0.soleRejections.valid) / \($0.soleRejections.invalid)" } ?? ""
            print(name.padding(toLength: 17, withPad: " ", startingAt: 0)
                  + String(format: "%.3f     %.3f           %.3f             %.3f      %.3f  ", m.accuracy, m.recall,
                           m.specificity, m.precision, m.f1) + auc + "    " + eer + alone)
        }
        row("verdict", report.verdict, nil)
        row("reconstruction", report.reconstruction.metrics, report.reconstruction)
        row("anomaly", report.anomaly.metrics, report.anomaly)
        row("classifier", report.classifier.metrics, report.classifier)
        print("per source (accuracy, count):")
        for (source, m) in report.perSource.sorted(by: { $0.key < $1.key }) {
            print("  " + source.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: "%.3f  %d", m.accuracy, m.count))
        }
        for name in report.idleCriteria {
            warn("WARNING: the \(name) criterion decided no verdict on these images — every image it rejected was "
                 + "also rejected by another criterion; the verdict would be the same without it")
        }
        print("wrote \(written.count) files to \(out)")
    }
}
