import ArgumentParser
import Foundation
import Imaging
import NeuralNet
import Preprocessing
import Verifier

/// `sigverify verify SCAN...`: decode, preprocess with the bundle's profile, verify in batches, and print
/// each scan's verdict with its three scores — a table for people, or JSON lines for scripts.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify scanned signatures with a model bundle.",
        discussion: """
            Exit status 0 when every scan was read and verified (whatever the verdicts); 1 when any scan \
            could not be read or preprocessed (the others are still verified and printed) or the model \
            cannot be loaded.
            Without --model the bundled default model is used: $SIGVERIFY_MODEL_DIR, else models/default \
            beside (or above) the executable or in the current directory.
            """)

    @Argument(help: "Scan files (PNG, JPEG, TIFF, BMP, PNM).")
    var scans: [String]

    @Option(name: .long, help: "Model bundle folder (default: the bundled default model).")
    var model: String?

    @Flag(name: .long, help: "Print one JSON object per line instead of a table.")
    var json = false

    @Option(name: .long, help: "Images per network pass.")
    var batchSize = 32

    func validate() throws {
        guard !scans.isEmpty else { throw ValidationError("give at least one scan file") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let folder = try ModelLocation.resolve(model)
        let bundle: ModelBundle
        do {
            bundle = try ModelBundle.load(from: folder)
        } catch {
            throw CommandFailure("cannot load model bundle \(folder.path): \(error)")
        }
        let profile = try PreprocessingProfile.forBundle(bundle.parameters)
        let verifier = Verifier(bundle: bundle, maxBatch: batchSize)
        let (height, width) = (bundle.parameters.inputShape[0], bundle.parameters.inputShape[1])
        let perImage = bundle.parameters.inputShape.reduce(1, *)
        let printer = ResultPrinter(json: json, bundle: bundle, profileName: profile.name, scans: scans)
        printer.header()

        var failures = 0
        var start = 0
        while start < scans.count {
            let group = Array(scans[start..<min(start + batchSize, scans.count)])
            start += group.count
            // Decode and preprocess; a scan that fails is reported and the rest still run.
            var inputs: [Float] = []
            var outcomes: [Result<Int, Error>] = []  // index into the batch, or the failure
            var batchCount = 0
            for path in group {
                do {
                    let gray = try ImageDecoder().decode(contentsOf: path)
                    let scan = try profile.run(gray, width: width, height: height)
                    guard scan.input.count == perImage else {
                        throw CommandFailure("preprocessed input has \(scan.input.count) values, the model expects \(perImage)")
                    }
                    inputs += scan.input
                    outcomes.append(.success(batchCount))
                    batchCount += 1
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            let verifications = try verifier.verify(Tensor(shape: [batchCount] + bundle.parameters.inputShape,
                                                           storage: inputs))
            for (path, outcome) in zip(group, outcomes) {
                switch outcome {
                case .success(let i): printer.result(file: path, verifications[i])
                case .failure(let error):
                    failures += 1
                    printer.failure(file: path, error)
                }
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

/// A fatal command error with a readable message.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where the model bundle is when `--model` is not given.
enum ModelLocation {
    static let environmentVariable = "SIGVERIFY_MODEL_DIR"
    static let defaultRelativePath = "models/default"

    static func resolve(_ explicit: String?) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        var candidates: [URL] = []
        // The executable lives in <package>/.build/<config>/ (or an installed bin/): look upwards from it.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent(defaultRelativePath))
            folder.deleteLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(defaultRelativePath))
        let manager = FileManager.default
        if let found = candidates.first(where: { manager.fileExists(atPath: $0.appendingPathComponent(ModelBundle.parametersFile).path) }) {
            return found
        }
        throw CommandFailure("no model bundle given and no default model found: pass --model DIR or set "
            + "\(environmentVariable) (looked for \(defaultRelativePath) near the executable and in the current directory)")
    }
}

extension PreprocessingProfile {
    /// The profile a bundle was trained with; bundles that name none used the seed profile.
    static func forBundle(_ parameters: VerifierParameters) throws -> PreprocessingProfile {
        guard let description = parameters.preprocessing else { return .default }
        guard let settings = description.parameters else {
            // Named without settings: the built-in profile of that name, if the version matches.
            let profile = try PreprocessingProfile.named(description.name)
            guard profile.version == description.version else {
                throw PreprocessingError.unsupportedProfile(name: description.name, version: description.version,
                                                            reason: "this build knows version \(profile.version)")
            }
            return profile
        }
        return try PreprocessingProfile(PreprocessingProfileDescription(
            name: description.name, version: description.version, parameters: settings))
    }
}

/// Prints results as a table or JSON lines.
private struct ResultPrinter {
    let json: Bool
    let bundle: ModelBundle
    let profileName: String
    let fileColumn: Int

    init(json: Bool, bundle: ModelBundle, profileName: String, scans: [String]) {
        self.json = json
        self.bundle = bundle
        self.profileName = profileName
        fileColumn = min(80, max(4, scans.map(\.count).max() ?? 4))
    }

    func header() {
        guard !json else { return }
        let p = bundle.parameters
        print("model \(bundle.folder.path)  version \(bundle.version)  preprocessing \(profileName)")
        print(pad("FILE", fileColumn) + "  VERDICT  " + pad("MSE (≤\(format(p.reconstructionThreshold)))", 21) + " "
            + pad("IFOREST (≥\(format(p.anomalyScoreMin)))", 21) + " " + "CLASSIFIER (≥\(format(p.classifierConfidenceMin)))")
    }

    func result(file: String, _ v: Verification) {
        if json {
            emit([
                "file": file, "verdict": v.verdict.rawValue,
                "reconstruction_error": v.reconstructionError, "anomaly_score": v.anomalyScore,
                "classifier_confidence": v.classifierConfidence, "model_version": v.modelVersion,
                "reconstruction_threshold": v.reconstructionThreshold, "anomaly_score_min": v.anomalyScoreMin,
                "classifier_confidence_min": v.classifierConfidenceMin,
                "reconstruction_passed": v.reconstructionPassed, "anomaly_passed": v.anomalyPassed,
                "classifier_passed": v.classifierPassed, "preprocessing": profileName,
            ])
            return
        }
        func cell(_ value: Double, _ passed: Bool) -> String { pad("\(format(value)) \(passed ? "pass" : "FAIL")", 21) + " " }
        print(pad(file, fileColumn) + "  " + pad(v.verdict.rawValue, 7) + "  "
            + cell(v.reconstructionError, v.reconstructionPassed) + cell(v.anomalyScore, v.anomalyPassed)
            + "\(format(v.classifierConfidence)) \(v.classifierPassed ? "pass" : "FAIL")")
    }

    func failure(file: String, _ error: Error) {
        if json {
            emit(["file": file, "error": "\(error)"])
        } else {
            print(pad(file, fileColumn) + "  error    \(error)")
        }
    }

    private func emit(_ object: [String: Any]) {
        // Sorted keys: stable lines that diff and grep well.
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } catch {
            // Only a non-finite score can fail to serialise; say so on the scan's line rather than drop it.
            // (A line of two strings always serialises, so this cannot recurse twice.)
            emit(["file": object["file"] ?? "", "error": "result is not representable in JSON (non-finite score)"])
        }
    }

    private func format(_ x: Double) -> String { String(format: "%.6g", x) }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
