/// How much work waits: what an idle claim loop decides on (drain, or how long to wait) and what
/// the queue gauges (`/metrics`) show.
public struct QueueDepth: Sendable, Equatable {
    public var queued: Int
    public var running: Int
    /// Age of the oldest queued job (deferred retries included), 0 when none is queued.
    public var oldestQueuedSeconds: Double
    /// Seconds until the earliest queued job (e.g. a deferred retry) becomes runnable; nil when none is queued.
    public var secondsUntilNextRunnable: Double?

    public init(queued: Int, running: Int, oldestQueuedSeconds: Double, secondsUntilNextRunnable: Double? = nil) {
        self.queued = queued
        self.running = running
        self.oldestQueuedSeconds = oldestQueuedSeconds
        self.secondsUntilNextRunnable = secondsUntilNextRunnable
    }
}

extension JobQueue {
    /// Queued and running jobs, the oldest queued job's age and the wait until the next one is
    /// runnable; one statement over the unfinished jobs.
    public func depth() throws(PostgresError) -> QueueDepth {
        let r = try db.execute("""
            SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
                   count(*) FILTER (WHERE status = 'running') AS running,
                   coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'queued')), 0)::float8 AS oldest,
                   greatest(0, extract(epoch FROM min(run_after) FILTER (WHERE status = 'queued') - now()))::float8 AS wait
            FROM sigverify.jobs WHERE status IN ('queued', 'running')
            """)
        return QueueDepth(queued: try r.int(0, "queued") ?? 0, running: try r.int(0, "running") ?? 0,
                          oldestQueuedSeconds: try r.double(0, "oldest") ?? 0,
                          secondsUntilNextRunnable: try r.double(0, "wait"))
    }
}
