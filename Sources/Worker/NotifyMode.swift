import Foundation
import JobQueue
import Logging

/// Whether idle claim loops wait for `NOTIFY` or only poll (`work --notify`).
public enum NotifyMode: String, Sendable, CaseIterable {
    /// LISTEN unless the connection goes through a pooler (PgBouncer in transaction mode hands
    /// each transaction a different server connection, so notifications cannot reach the worker).
    case auto
    /// Always LISTEN (a direct connection, or a pooler in session mode).
    case on
    /// Never LISTEN: poll every `--poll-interval` seconds.
    case off
}

/// Decides once per worker, on its first connection, whether LISTEN is worth issuing, and says so in
/// the log; every later (re)connection follows that decision. Thread-safe.
final class NotificationPolicy: @unchecked Sendable {
    let mode: NotifyMode
    private let pollInterval: Double
    private let lock = NSLock()
    private var decided: Bool?

    init(mode: NotifyMode, pollInterval: Double) {
        self.mode = mode
        self.pollInterval = pollInterval
    }

    /// LISTENs on `db` when notifications can arrive there.
    func listen(_ db: PostgresConnection, log: Logger) throws(PostgresError) {
        if try listens(db, log: log) { try db.listen(JobQueue.channel) }
    }

    private func listens(_ db: PostgresConnection, log: Logger) throws(PostgresError) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let decided { return decided }
        let decision: Bool
        switch mode {
        case .on:
            decision = true
        case .off:
            decision = false
            log.notice("LISTEN/NOTIFY off (--notify off): polling for jobs every \(pollInterval) s")
        case .auto:
            let pooler = try db.poolerEvidence()
            decision = pooler == nil
            if let pooler {
                log.notice("connected through a connection pooler (\(pooler)): LISTEN/NOTIFY unavailable, polling for jobs every \(pollInterval) s")
            }
        }
        decided = decision
        return decision
    }
}
