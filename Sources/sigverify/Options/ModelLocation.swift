import Foundation
import JobQueue
import Verifier

/// Where the model bundle is when `--model` is not given: `$SIGVERIFY_MODEL_DIR`, else `models/default`
/// beside or above the real executable (see `ExecutableLocation`) — never in the current folder.
enum ModelLocation {
    static let environmentVariable = "SIGVERIFY_MODEL_DIR"
    static let defaultRelativePath = "models/default"

    static func resolve(_ explicit: String?) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        if let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        // The executable lives in <package>/.build/<triple>/release/ (or an installed bin/): look upwards from it.
        let candidates = ExecutableLocation.candidates(defaultRelativePath)
        let manager = FileManager.default
        if let found = candidates.first(where: { manager.fileExists(atPath: $0.appendingPathComponent(ModelBundle.parametersFile).path) }) {
            return found
        }
        throw CommandFailure("no model bundle given and no default model found: pass --model DIR or set "
            + "\(environmentVariable) (looked for \(defaultRelativePath) beside and above the executable "
            + "\(ExecutableLocation.url.path))")
    }
}
