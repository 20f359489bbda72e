import ArgumentParser
import JobQueue

/// `sigverify status`: queue depth by status, recent throughput, workers and their heartbeats. A
/// worker that has not stopped but whose heartbeat is older than `--lost-after` is shown as `lost`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show queue depth, recent throughput and live workers.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Seconds without a heartbeat after which a worker that never stopped is shown as lost (3 × the default lease).")
    var lostAfter = JobQueue.workerLostAfterSeconds

    func validate() throws {
        guard lostAfter > 0 else { throw ValidationError("--lost-after must be positive") }
    }

    func run() throws {
        database.bootstrapLogging()
        for (title, table) in try database.connect().status(lostAfterSeconds: lostAfter).tables {
            print("\(title)\n\(table.renderTable())\n")
        }
    }
}
