import ArgumentParser
import JobQueue

/// `sigverify report`: the reporting views (sigverify.daily_verdicts, …) as tables.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Print the reporting views: verdicts per day, criterion failures, latency, failures.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        database.bootstrapLogging()
        for (title, table) in try database.connect().reportTables() {
            print("\(title)\n\(table.renderTable())\n")
        }
    }
}
