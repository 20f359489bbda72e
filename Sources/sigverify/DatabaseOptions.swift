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

    /// An unknown level is a usage error, never a silent `info`.
    func validate() throws {
        guard LogSetup.level(named: LogSetup.name(logLevel)) != nil else {
            throw ValidationError("unknown log level '\(LogSetup.name(logLevel))' (from \(logLevel == nil ? "$SIGVERIFY_LOG_LEVEL" : "--log-level")); "
                + "use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Sets up structured logging on stderr; call first in `run()`.
    func bootstrapLogging() { LogSetup.bootstrap(level: logLevel) }

    func resolvedURL() throws -> String {
        if let url = databaseURL, !url.isEmpty { return url }
        if let env = ProcessInfo.processInfo.environment["DATABASE_URL"], !env.isEmpty { return env }
        throw ValidationError("no database: pass --database-url or set DATABASE_URL")
    }

    func connect() throws -> JobQueue {
        try JobQueue(url: try resolvedURL(), logger: Logger(label: "sigverify.queue"))
    }
}

/// Structured logs on stderr: `--log-level` or $SIGVERIFY_LOG_LEVEL (default info).
enum LogSetup {
    /// The level asked for: the option, else $SIGVERIFY_LOG_LEVEL, else info.
    static func name(_ option: String?) -> String {
        option ?? ProcessInfo.processInfo.environment["SIGVERIFY_LOG_LEVEL"] ?? "info"
    }

    static func level(named name: String) -> Logger.Level? { Logger.Level(rawValue: name.lowercased()) }

    /// `DatabaseOptions.validate` has refused unknown names before this runs.
    static func bootstrap(level option: String?) {
        let parsed = level(named: name(option)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}
