/// One claim loop as the heartbeat sees it: the jobs it holds and when it last made progress
/// (finished a step: claimed, processed, wrote, …). Written by its loop, read by the heartbeat.
public final class LoopProgress: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var loop: Int
        public var jobs: [Int64]
        public var lastProgress: Double
        /// The loop has returned: it holds nothing and can no longer stall.
        public var ended: Bool

        public init(loop: Int, jobs: [Int64], lastProgress: Double, ended: Bool = false) {
            self.loop = loop
            self.jobs = jobs
            self.lastProgress = lastProgress
            self.ended = ended
        }
    }

    public let loop: Int
    /// How logs and `/healthz` name the loop ("sigverify-loop-0", "heartbeat").
    public let name: String
    private let current: Locked<Snapshot>

    public init(loop: Int, name: String? = nil) {
        self.loop = loop
        self.name = name ?? "sigverify-loop-\(loop)"
        self.current = Locked(Snapshot(loop: loop, jobs: [], lastProgress: MonotonicClock.now()))
    }

    /// The loop finished a step.
    public func advance() {
        current.withLock { $0.lastProgress = MonotonicClock.now() }
    }

    /// The loop now holds `ids` (a claimed batch) — or nothing (written or given up).
    public func hold(_ ids: [Int64]) {
        current.withLock {
            $0.jobs = ids
            $0.lastProgress = MonotonicClock.now()
        }
    }

    /// The loop has returned.
    public func end() {
        current.withLock {
            $0.jobs = []
            $0.ended = true
        }
    }

    public var snapshot: Snapshot {
        current.withLock { $0 }
    }
}
