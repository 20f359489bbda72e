import ArgumentParser
import Foundation
import JobQueue

/// `sigverify migrate`: brings the `sigverify` schema up to date (safe to run from every worker).
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the database migrations (idempotent, safe to run concurrently).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Folder of NNNN_name.sql migrations (default: the bundled ones).")
    var migrations: String?

    func run() throws {
        database.bootstrapLogging()
        let migrator = try migrations.map { try Migrator(directory: URL(fileURLWithPath: $0)) } ?? Migrator.bundled()
        // No statement timeout: a migration may rewrite a large table, or wait for another run's lock.
        let queue = try database.connect(settings: ConnectionSettings(statementTimeoutSeconds: 0), checkSchema: false)
        let applied = try migrator.migrate(queue.db)  // refuses a schema newer than it knows
        let latest = migrator.migrations.last?.version ?? 0
        if applied.isEmpty {
            print("schema sigverify is up to date (version \(latest))")
        } else {
            print("applied migration\(applied.count == 1 ? "" : "s") \(applied.map(String.init).joined(separator: ", ")); schema sigverify at version \(latest)")
        }
    }
}
