import ArgumentParser
import Foundation
import Preprocessing
import ScanPipeline
import Verifier

/// `sigverify verify SCAN...`: each batch through the scan pipeline (`ScanVerifier.run`: decode and
/// preprocess over the cores, one network pass), then each scan's verdict with its three scores — a
/// table for people, or JSON lines for scripts.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify scanned signatures with a model bundle.",
        discussion: """
            Exit status 0 when every scan was read and verified (whatever the verdicts); 1 when any scan \
            could not be read or preprocessed or the model scored it NaN/∞ (the others are still verified \
            and printed) or the model cannot be loaded. A bundle without a manifest.json (saved before \
            manifests existed) loads with a warning on stderr.
            Without --model the bundled default model is used: $SIGVERIFY_MODEL_DIR, else models/default \
            beside (or above) the executable — never in the current directory.
            """)

    @Argument(help: "Scan files (PNG, JPEG, TIFF, BMP, PNM).")
    var scans: [String]

    @Option(name: .long, help: "Model bundle folder (default: the bundled default model).")
    var model: String?

    @Flag(name: .long, help: "Print one JSON object per line instead of a table.")
    var json = false

    @Option(name: .long, help: "Images per network pass.")
    var batchSize = 32

    @Option(name: .long, help: "Page of multi-page scans (TIFF) to verify, 0-based.")
    var page = 0

    @OptionGroup var scanBudget: ScanBudgetOptions

    func validate() throws {
        guard !scans.isEmpty else { throw ValidationError("give at least one scan file") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let scanVerifier: ScanVerifier
        do {
            scanVerifier = try ScanVerifier(modelFolder: try ModelLocation.resolve(model), maxBatch: batchSize, budget: scanBudget.budget)
        } catch {
            throw CommandFailure("\(error)")
        }
        if let warning = scanVerifier.bundle.manifestWarning {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let printer = ResultPrinter(json: json, bundle: scanVerifier.bundle, profile: scanVerifier.profile, scans: scans)
        printer.header()

        var failures = 0
        for start in stride(from: 0, to: scans.count, by: batchSize) {
            let group = Array(scans[start..<min(start + batchSize, scans.count)])
            // A scan that could not be read or preprocessed, or that the model scored NaN/∞, gets an
            // error line and the rest still run; a failed network pass ends the command.
            let results = scanVerifier.run(group.map { ScanSource.file($0, page: page) })
            for case .failure(.verifierFailed(let error)) in results { throw error }
            for (path, result) in zip(group, results) {
                switch result {
                case .success(let verified): printer.result(file: path, verified.verification)
                case .failure(let error):  // the scan's own error, or the NaN/∞ scores, as they read
                    failures += 1
                    printer.failure(file: path, error)
                }
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

extension ModelBundle {
    /// What to tell the operator about a bundle loaded without a manifest, or nil when it had one.
    var manifestWarning: String? {
        hasManifest ? nil : "model bundle \(folder.path) has no manifest.json (saved before manifests existed); "
            + "its files were not checked against recorded SHA-256 digests"
    }
}

/// Prints results as a table or JSON lines.
private struct ResultPrinter {
    let json: Bool
    let bundle: ModelBundle
    let profile: PreprocessingProfile
    let fileColumn: Int

    init(json: Bool, bundle: ModelBundle, profile: PreprocessingProfile, scans: [String]) {
        self.json = json
        self.bundle = bundle
        self.profile = profile
        fileColumn = min(80, max(4, scans.map(\.count).max() ?? 4))
    }

    func header() {
        guard !json else { return }
        let p = bundle.parameters
        print("model \(bundle.folder.path)  version \(bundle.version)  preprocessing \(profile.label)")
        print(pad("FILE", fileColumn) + "  VERDICT  " + pad("MSE (≤\(format(p.reconstructionThreshold)))", 21) + " "
            + pad("IFOREST (≥\(format(p.anomalyScoreMin)))", 21) + " " + "CLASSIFIER (≥\(format(p.classifierConfidenceMin)))")
    }

    func result(file: String, _ v: Verification) {
        if json {
            ResultLines.emit(ResultLines.fields(v, profileName: profile.name).merging(["file": file]) { _, new in new })
            return
        }
        func cell(_ value: Double, _ passed: Bool) -> String { pad("\(format(value)) \(passed ? "pass" : "FAIL")", 21) + " " }
        print(pad(file, fileColumn) + "  " + pad(v.verdict.rawValue, 7) + "  "
            + cell(v.reconstructionError, v.reconstructionPassed) + cell(v.anomalyScore, v.anomalyPassed)
            + "\(format(v.classifierConfidence)) \(v.classifierPassed ? "pass" : "FAIL")")
    }

    func failure(file: String, _ error: Error) {
        if json {
            ResultLines.emit(["file": file, "error": "\(error)"])
        } else {
            print(pad(file, fileColumn) + "  error    \(error)")
        }
    }

    private func format(_ x: Double) -> String { ResultLines.format(x) }

    private func pad(_ s: String, _ width: Int) -> String { ResultLines.pad(s, width) }
}
