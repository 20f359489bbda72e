/// What a worker run did.
public struct WorkerSummary: Sendable, Equatable {
    public var batches = 0
    public var succeeded = 0
    public var failed = 0
    public var retried = 0
    public var lostLease = 0
    public var reconnects = 0

    public init() {}

    mutating func add(_ other: WorkerSummary) {
        batches += other.batches
        succeeded += other.succeeded
        failed += other.failed
        retried += other.retried
        lostLease += other.lostLease
        reconnects += other.reconnects
    }
}
