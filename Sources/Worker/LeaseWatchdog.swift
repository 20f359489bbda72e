/// Which leases the heartbeat may extend: only those of loops whose progress clock moved within
/// `limit` seconds. A loop holding jobs whose clock stands still longer is stuck: its jobs are no
/// longer renewed (so peers reap them once the lease runs out) and the worker is told to stop. A
/// loop holding nothing may also wait out a poll interval (`idleAllowance`) before it counts as
/// stuck (blocked in a call that never returns, e.g. on a frozen backend).
public struct LeaseWatchdog: Sendable, Equatable {
    public var limit: Double
    public var idleAllowance: Double

    public init(limit: Double, idleAllowance: Double = 0) {
        self.limit = limit
        self.idleAllowance = idleAllowance
    }

    /// The limit for a worker: a batch may take up to `batchDeadline`, and a write may retry for two
    /// lease lengths, before its loop counts as stuck.
    public init(batchDeadline: Double, leaseSeconds: Double, pollInterval: Double = 0) {
        self.init(limit: max(batchDeadline, 2 * leaseSeconds), idleAllowance: pollInterval)
    }

    public struct Review: Sendable, Equatable {
        /// Jobs whose leases are extended.
        public var renew: [Int64] = []
        /// Loops without progress for longer than allowed, with their idle seconds and jobs.
        public var stuck: [(loop: Int, idleSeconds: Double, jobs: [Int64])] = []

        public static func == (a: Review, b: Review) -> Bool {
            a.renew == b.renew && a.stuck.map(\.loop) == b.stuck.map(\.loop) && a.stuck.map(\.jobs) == b.stuck.map(\.jobs)
        }
    }

    public func review(_ loops: [LoopProgress.Snapshot], now: Double) -> Review {
        var review = Review()
        for loop in loops where !loop.ended {
            let idle = now - loop.lastProgress
            if idle > limit + (loop.jobs.isEmpty ? idleAllowance : 0) {
                review.stuck.append((loop.loop, idle, loop.jobs))
            } else {
                review.renew += loop.jobs
            }
        }
        review.renew.sort()
        return review
    }
}
