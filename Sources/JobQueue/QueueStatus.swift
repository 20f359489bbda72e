/// What `sigverify status` shows, as typed rows (the CLI renders them).
public struct QueueStatus: Sendable, Equatable {
    public var depth: [QueueDepthRow]
    public var throughput: [ThroughputRow]
    /// Workers whose heartbeat is less than an hour old, newest heartbeat first.
    public var workers: [WorkerRow]
}

/// One row of `sigverify.queue_depth`.
public struct QueueDepthRow: Sendable, Equatable {
    public var status: String
    public var jobs: Int
    public var waitingForRetry: Int
    /// As PostgreSQL prints it; nil when no job has this status.
    public var oldestCreatedAt: String?
}

/// Jobs finished in one recent window.
public struct ThroughputRow: Sendable, Equatable {
    public var window: String
    public var succeeded: Int
    public var failed: Int
    public var perMinute: Double
}

/// What a worker row says about its process.
public enum WorkerState: String, Sendable, Equatable, LosslessStringConvertible {
    /// Heartbeat within the lost threshold and not stopped.
    case running
    /// No heartbeat for longer than the threshold (killed, hung or cut off) and never stopped.
    case lost
    /// Stopped cleanly (`markWorkerStopped`).
    case stopped

    public init?(_ description: String) { self.init(rawValue: description) }
    public var description: String { rawValue }
}

/// One row of `sigverify.workers` with its heartbeat age and the leases it holds.
public struct WorkerRow: Sendable, Equatable {
    public var workerId: String
    public var hostname: String
    public var pid: Int
    public var concurrency: Int
    public var modelVersion: String?
    public var heartbeatAgeSeconds: Double
    public var state: WorkerState
    public var leasedJobs: Int
}
