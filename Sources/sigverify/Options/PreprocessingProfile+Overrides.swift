import ArgumentParser
import Preprocessing

extension PreprocessingProfile {
    /// The built-in profile `name` with `--set NAME=VALUE` overrides applied (`preprocess`, `train`).
    static func named(_ name: String, overrides: [String]) throws -> PreprocessingProfile {
        var changes: [String: Double] = [:]
        for item in overrides {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw ValidationError("--set expects NAME=NUMBER, got '\(item)'")
            }
            changes[parts[0]] = value
        }
        do {
            return try named(name).with(parameters: changes)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
