import Foundation
import JobQueue
import Logging

/// The console's database connections, each acting as `sigverify_auditor` (`SET ROLE`: whatever
/// else the login may do, these sessions read only what the auditor may read) in read-only
/// transactions. One per answering thread; a broken one is dropped and the next use reconnects.
final class AuditorPool: @unchecked Sendable {  // the idle list is guarded by the lock
    static let settings = ConnectionSettings(connectTimeoutSeconds: 5, statementTimeoutSeconds: 10)
    private let url: String
    private let lock = NSLock()
    private var idle: [JobQueue] = []

    init(url: String) { self.url = url }

    /// Opens one connection now (and keeps it): a login that cannot act as the auditor, a
    /// schema newer than this binary or an unreachable server stops the console before it listens.
    func check() throws {
        let queue = try open()
        try Migrator.checkSchemaVersion(queue.db)
        give(back: queue)
    }

    func with<T>(_ body: (JobQueue) throws -> T) throws -> T {
        let queue = try take()
        defer { if queue.db.isHealthy { give(back: queue) } else { queue.db.close() } }
        return try body(queue)
    }

    private func take() throws -> JobQueue {
        lock.lock()
        let queue = idle.popLast()
        lock.unlock()
        return try queue ?? open()
    }

    private func give(back queue: JobQueue) {
        lock.lock()
        idle.append(queue)
        lock.unlock()
    }

    private func open() throws -> JobQueue {
        let queue = try JobQueue(url: url, settings: Self.settings, logger: Logger(label: "sigverify.console"))
        do {
            try queue.db.executeScript("SET ROLE sigverify_auditor; SET default_transaction_read_only = on")
        } catch {
            queue.db.close()
            throw ConsoleError.notAuditor(reason: error.message)
        }
        return queue
    }
}
