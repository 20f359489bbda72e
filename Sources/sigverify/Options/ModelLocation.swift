import Foundation
import JobQueue
import Verifier
import WriterVerification

/// Where a bundle is when its option is not given: an environment variable, else a folder under
/// `models/` beside or above the real executable (see `ExecutableLocation`) — never in the current folder.
/// The default model: `$SIGVERIFY_MODEL_DIR`, else `models/default`; the writer model:
/// `$SIGVERIFY_WRITER_MODEL_DIR`, else `models/writer`.
enum ModelLocation {
    static let environmentVariable = "SIGVERIFY_MODEL_DIR"
    static let defaultRelativePath = "models/default"
    static let writerEnvironmentVariable = "SIGVERIFY_WRITER_MODEL_DIR"
    static let writerRelativePath = "models/writer"

    static func resolve(_ explicit: String?) throws -> URL {
        try resolve(explicit, variable: environmentVariable, relativePath: defaultRelativePath,
                    marker: ModelBundle.parametersFile, option: "--model")
    }

    static func resolveWriter(_ explicit: String?) throws -> URL {
        try resolve(explicit, variable: writerEnvironmentVariable, relativePath: writerRelativePath,
                    marker: WriterModel.parametersFile, option: "--writer-model")
    }

    private static func resolve(_ explicit: String?, variable: String, relativePath: String, marker: String,
                                option: String) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let fromEnvironment = ProcessInfo.processInfo.environment[variable], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        // The executable lives in <package>/.build/<triple>/release/ (or an installed bin/): look upwards from it.
        let candidates = ExecutableLocation.candidates(relativePath)
        let manager = FileManager.default
        if let found = candidates.first(where: { manager.fileExists(atPath: $0.appendingPathComponent(marker).path) }) {
            return found
        }
        throw CommandFailure("no model bundle given and no default model found: pass \(option) DIR or set "
            + "\(variable) (looked for \(relativePath) beside and above the executable "
            + "\(ExecutableLocation.url.path))")
    }
}
