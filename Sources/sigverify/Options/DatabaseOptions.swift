import ArgumentParser
import Foundation
import JobQueue
import Logging

/// `--database-url`, shared by every command that talks to PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "PostgreSQL URL (default: $DATABASE_URL).")
    var databaseURL: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error (default: $SIGVERIFY_LOG_LEVEL or info).")
    var logLevel: String?
    @Option(help: "Log format: text, or json for one object per line (default: $SIGVERIFY_LOG_FORMAT or text).")
    var logFormat: String?

    /// An unknown level or format is a usage error, never a silent default.
    func validate() throws {
        guard LogSetup.level(named: LogSetup.name(logLevel)) != nil else {
            throw ValidationError("unknown log level '\(LogSetup.name(logLevel))' (from \(logLevel == nil ? "$SIGVERIFY_LOG_LEVEL" : "--log-level")); "
                + "use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard LogFormat(rawValue: LogFormat.name(logFormat)) != nil else {
            throw ValidationError("unknown log format '\(LogFormat.name(logFormat))' (from \(logFormat == nil ? "$SIGVERIFY_LOG_FORMAT" : "--log-format")); "
                + "use one of \(LogFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Sets up logging on stderr; call first in `run()`.
    func bootstrapLogging() { LogSetup.bootstrap(level: logLevel, format: logFormat) }

    func resolvedURL() throws -> String {
        if let url = databaseURL, !url.isEmpty { return url }
        if let env = ProcessInfo.processInfo.environment["DATABASE_URL"], !env.isEmpty { return env }
        throw ValidationError("no database: pass --database-url or set DATABASE_URL")
    }

    /// A connection with `settings`' timeouts and keepalives (the URL's own values win). Unless
    /// `checkSchema` is false, a database whose schema is newer than this binary is refused
    /// (`MigrationError.schemaNewer`: one line naming both versions, exit status 1).
    func connect(settings: ConnectionSettings = ConnectionSettings(), checkSchema: Bool = true) throws -> JobQueue {
        let queue = try JobQueue(url: try resolvedURL(), settings: settings, logger: Logger(label: "sigverify.queue"))
        if checkSchema { try Migrator.checkSchemaVersion(queue.db) }
        return queue
    }

    /// For `work`, before it loads the model: refuses a newer schema as `connect` does. A server
    /// that cannot be reached (or refuses the login) is left to the worker, which waits for it or
    /// says why it cannot.
    func refuseNewerSchema(settings: ConnectionSettings) throws {
        let queue: JobQueue
        do { queue = try connect(settings: settings, checkSchema: false) } catch is PostgresError { return }
        defer { queue.db.close() }
        do {
            try Migrator.checkSchemaVersion(queue.db)
        } catch .schemaNewer(let database, let binary) {
            throw MigrationError.schemaNewer(database: database, binary: binary)
        } catch {
            return
        }
    }
}

/// Logs on stderr: `--log-level` or $SIGVERIFY_LOG_LEVEL (default info), `--log-format` or
/// $SIGVERIFY_LOG_FORMAT (default text).
enum LogSetup {
    /// The level asked for: the option, else $SIGVERIFY_LOG_LEVEL, else info.
    static func name(_ option: String?) -> String {
        option ?? ProcessInfo.processInfo.environment["SIGVERIFY_LOG_LEVEL"] ?? "info"
    }

    static func level(named name: String) -> Logger.Level? { Logger.Level(rawValue: name.lowercased()) }

    /// `DatabaseOptions.validate` has refused unknown names before this runs.
    static func bootstrap(level option: String?, format formatOption: String?) {
        let parsed = level(named: name(option)) ?? .info
        let format = LogFormat(rawValue: LogFormat.name(formatOption)) ?? .text
        LoggingSystem.bootstrap { label in
            var handler = format.handler(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}
