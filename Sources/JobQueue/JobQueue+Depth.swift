/// How much work waits, for the queue gauges (`/metrics`).
public struct QueueDepth: Sendable, Equatable {
    public var queued: Int
    public var running: Int
    /// Age of the oldest queued job (deferred retries included), 0 when none is queued.
    public var oldestQueuedSeconds: Double

    public init(queued: Int, running: Int, oldestQueuedSeconds: Double) {
        self.queued = queued
        self.running = running
        self.oldestQueuedSeconds = oldestQueuedSeconds
    }
}

extension JobQueue {
    /// Queued and running jobs and the oldest queued job's age; one statement over the unfinished jobs.
    public func depth() throws(PostgresError) -> QueueDepth {
        let r = try db.execute("""
            SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
                   count(*) FILTER (WHERE status = 'running') AS running,
                   coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'queued')), 0)::float8 AS oldest
            FROM sigverify.jobs WHERE status IN ('queued', 'running')
            """)
        return QueueDepth(queued: try r.int(0, "queued") ?? 0, running: try r.int(0, "running") ?? 0,
                          oldestQueuedSeconds: try r.double(0, "oldest") ?? 0)
    }
}
