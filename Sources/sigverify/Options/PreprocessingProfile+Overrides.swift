import ArgumentParser
import Preprocessing

extension PreprocessingProfile {
    /// The built-in profile `name` (at `version`, default its first) with `--set NAME=VALUE`
    /// overrides applied (`preprocess`, `train`, `benchmark preprocess`).
    static func named(_ name: String, version: Int? = nil, overrides: [String]) throws -> PreprocessingProfile {
        let base: PreprocessingProfile
        do { base = try named(name, version: version) } catch { throw ValidationError("\(error)") }
        return try base.adjusted(version: nil, overrides: overrides)
    }

    /// This profile (e.g. a bundle's) at another `version` — its recorded parameters kept, the new
    /// version's own at their defaults — with `--set` overrides (`evaluate`, `benchmark queue`).
    func adjusted(version: Int?, overrides: [String]) throws -> PreprocessingProfile {
        var changes: [String: Double] = [:]
        for item in overrides {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw ValidationError("--set expects NAME=NUMBER, got '\(item)'")
            }
            changes[parts[0]] = value
        }
        do {
            var versioned = self
            if let version { versioned = try PreprocessingProfile(name: name, version: version, parameters: parameters) }
            return changes.isEmpty ? versioned : try versioned.with(parameters: changes)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
