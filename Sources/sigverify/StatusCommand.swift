import ArgumentParser
import JobQueue

/// `sigverify status`: queue depth by status, recent throughput, workers and their heartbeats.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show queue depth, recent throughput and live workers.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        database.bootstrapLogging()
        for (title, table) in try database.connect().statusTables() {
            print("\(title)\n\(table.renderTable())\n")
        }
    }
}
