import ArgumentParser
import JobQueue

/// `sigverify prune --older-than 30d`: drop finished jobs' scan bytes; verdicts and events stay.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete the scan bytes of jobs finished longer ago than --older-than (verdicts, their PNGs and events are kept).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Age such as 30d, 12h, 90m, 45s or 2w.", transform: PruneCommand.parseDuration)
    var olderThan: Double

    func run() throws {
        database.bootstrapLogging()
        let pruned = try database.connect().prune(olderThanSeconds: olderThan)
        print("pruned the scans of \(pruned) finished job\(pruned == 1 ? "" : "s")")
    }

    static func parseDuration(_ text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        guard let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value >= 0 else {
            throw ValidationError("'\(text)' is not a duration like 30d, 12h, 90m, 45s or 2w")
        }
        return value * factor
    }
}
