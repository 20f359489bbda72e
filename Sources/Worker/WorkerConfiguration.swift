import Foundation
import JobQueue

/// How a worker process runs.
public struct WorkerConfiguration: Sendable {
    public var databaseURL: String
    /// Claim/process loops in this process, each with its own connection.
    public var concurrency: Int
    /// Jobs claimed (and sent through the networks) at once.
    public var batchSize: Int
    /// Scan bytes claimed at once at most (one job is always claimed, whatever its size).
    public var batchBytes: Int
    /// Lease length; the heartbeat extends it every `leaseSeconds / 3`.
    public var leaseSeconds: Double
    /// Longest a loop may hold a batch without progress (claimed → processed → written) before it
    /// counts as stuck: its leases are no longer renewed and the worker exits non-zero. The limit
    /// is at least two lease lengths (how long a write is retried through an outage).
    public var batchDeadline: Double
    /// After SIGTERM (or a stuck loop), how long batches in flight may take before the process
    /// exits anyway, leaving their jobs to their leases.
    public var shutdownGrace: Double
    /// Longest idle wait before polling again when no NOTIFY arrives (deferred retries are
    /// not announced; NOTIFY may be missed across a reconnect).
    public var pollInterval: Double
    /// Exit once nothing is queued or running (batch runs, demos, tests).
    public var untilEmpty: Bool
    public var retryPolicy: RetryPolicy
    /// Scans larger than this are not fetched: their jobs fail with the reason.
    public var maxScanBytes: Int
    /// Unique per process: written as lease owner, verdict worker and event worker.
    public var workerId: String
    /// Timeouts and keepalives of every connection (the URL's own values win).
    public var connection: ConnectionSettings
    /// LISTEN/NOTIFY or polling (`work --notify`; `auto` polls behind a transaction pooler).
    public var notify: NotifyMode

    public static let defaultBatchDeadline = 300.0
    public static let defaultShutdownGrace = 25.0

    public init(databaseURL: String, concurrency: Int = 1, batchSize: Int = 32, batchBytes: Int = JobQueue.defaultBatchBytes,
                leaseSeconds: Double = 30, batchDeadline: Double = WorkerConfiguration.defaultBatchDeadline,
                shutdownGrace: Double = WorkerConfiguration.defaultShutdownGrace,
                pollInterval: Double = 5, untilEmpty: Bool = false, retryPolicy: RetryPolicy = RetryPolicy(),
                maxScanBytes: Int = JobQueue.defaultMaxScanBytes, workerId: String = WorkerConfiguration.defaultWorkerId(),
                connection: ConnectionSettings = ConnectionSettings(), notify: NotifyMode = .auto) {
        self.databaseURL = databaseURL
        self.concurrency = concurrency
        self.batchSize = batchSize
        self.batchBytes = batchBytes
        self.leaseSeconds = leaseSeconds
        self.batchDeadline = batchDeadline
        self.shutdownGrace = shutdownGrace
        self.pollInterval = pollInterval
        self.untilEmpty = untilEmpty
        self.retryPolicy = retryPolicy
        self.maxScanBytes = maxScanBytes
        self.workerId = workerId
        self.connection = connection
        self.notify = notify
    }

    /// `hostname:pid:random` — unique even when a container restarts with the same pid.
    public static func defaultWorkerId() -> String {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
    }

    /// Why this configuration cannot run, if it cannot.
    func validate() throws(WorkerError) {
        guard concurrency >= 1 else { throw .invalidConfiguration("concurrency must be at least 1") }
        guard batchSize >= 1 else { throw .invalidConfiguration("batch size must be at least 1") }
        guard batchBytes >= 1 else { throw .invalidConfiguration("batch bytes must be at least 1") }
        guard leaseSeconds >= 1 else { throw .invalidConfiguration("lease must be at least 1 second") }
        guard batchDeadline > 0 else { throw .invalidConfiguration("batch deadline must be positive") }
        guard shutdownGrace >= 0 else { throw .invalidConfiguration("shutdown grace must not be negative") }
        guard pollInterval > 0 else { throw .invalidConfiguration("poll interval must be positive") }
    }
}
