import Foundation
import JobQueue
import Logging
import NeuralNet

public enum WorkerError: Error, CustomStringConvertible {
    case invalidConfiguration(String)
    case database(PostgresError)
    /// A loop held jobs without progress for longer than the batch deadline allows.
    case loopStuck(loop: Int, idleSeconds: Double, jobs: [Int64])
    /// Batches were still in flight when the shutdown grace ran out.
    case shutdownGraceExpired(graceSeconds: Double, jobsInFlight: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return "invalid worker configuration: \(message)"
        case .database(let error):
            let hint = error.sqlState == "42P01" || error.sqlState == "3F000" ? " (run `sigverify migrate` first)" : ""
            return "worker stopped on a database error: \(error)\(hint)"
        case .loopStuck(let loop, let idle, let jobs):
            return "loop \(loop) made no progress for \(String(format: "%.0f", idle)) s (--batch-deadline), holding jobs \(jobs); "
                + "their leases were no longer renewed, so peers retry them"
        case .shutdownGraceExpired(let grace, let jobs):
            return "shutdown grace of \(String(format: "%g", grace)) s ran out with \(jobs) jobs in flight; "
                + "their leases run out and peers retry them"
        }
    }
}

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

/// The worker process: `concurrency` claim loops (`ClaimLoop`, each driven by a
/// `LoopStateMachine`) plus one heartbeat thread that extends the leases of loops that are making
/// progress and reaps expired ones. Blocking libpq calls run on plain threads.
public final class Worker: @unchecked Sendable {
    public let configuration: WorkerConfiguration
    public let processor: any ScanProcessor
    public let stopSignal = StopSignal()
    let logger: Logger
    /// One per loop: the jobs it holds and its progress clock (read by the heartbeat).
    let loops: [LoopProgress]
    /// The heartbeat thread's progress clock (liveness only: it holds no jobs).
    let heartbeatProgress = LoopProgress(loop: -1, name: "heartbeat")
    /// Counters and timers through swift-metrics (no-ops unless a backend was bootstrapped).
    let metrics = WorkerMetrics()
    /// LISTEN, or poll behind a transaction pooler (decided once, on the first connection).
    let notifications: NotificationPolicy
    private let lock = NSLock()
    private var totals = WorkerSummary()
    private var fatalDatabaseError: PostgresError?
    private var stuckLoop: WorkerError?
    private var stopSeenAt: Double?

    public init(configuration: WorkerConfiguration, processor: any ScanProcessor,
                logger: Logger = Logger(label: "sigverify.worker")) throws(WorkerError) {
        try configuration.validate()
        self.configuration = configuration
        self.processor = processor
        var logger = logger
        logger[metadataKey: "worker"] = "\(configuration.workerId)"
        self.logger = logger
        self.loops = (0..<configuration.concurrency).map { LoopProgress(loop: $0) }
        self.notifications = NotificationPolicy(mode: configuration.notify, pollInterval: configuration.pollInterval)
    }

    /// Asks every loop to stop claiming; batches in flight are finished and written within the
    /// shutdown grace. Thread-safe.
    public func requestStop() { stopSignal.stop() }

    /// Runs until `requestStop()` (or, with `untilEmpty`, until the queue drains). Throws for
    /// database errors that a reconnect cannot cure (e.g. the schema is missing), a stuck loop,
    /// and batches still in flight when the shutdown grace ran out.
    public func run() throws(WorkerError) -> WorkerSummary {
        let config = configuration
        logger.info("worker starting", metadata: [
            "concurrency": "\(config.concurrency)", "batch_size": "\(config.batchSize)", "batch_bytes": "\(config.batchBytes)",
            "lease_seconds": "\(config.leaseSeconds)", "model_version": "\(processor.modelVersion)",
        ])
        metrics.started(modelVersion: processor.modelVersion)
        let loopsDone = StopSignal()
        let heartbeatDone = DispatchSemaphore(value: 0)
        startThread("sigverify-heartbeat") { [self] in
            heartbeatLoop(until: loopsDone)
            heartbeatDone.signal()
        }
        let group = DispatchGroup()
        let cores = CoreShare.perCaller(config.concurrency)  // each loop's share of the cores, decided once
        for progress in loops {
            group.enter()
            startThread("sigverify-loop-\(progress.loop)") { [self] in
                CoreShare.with(cores: cores) { runLoop(progress) }
                group.leave()
            }
        }
        let drained = waitForLoops(group)
        loopsDone.stop()
        _ = heartbeatDone.wait(timeout: .now() + max(1, remainingGrace()))
        return try outcome(drained: drained)
    }

    private func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func runLoop(_ progress: LoopProgress) {
        var log = logger
        log[metadataKey: "loop"] = "\(progress.loop)"
        let loop = ClaimLoop(worker: self, progress: progress, log: log)
        _ = loop.run()
        progress.end()
        lock.withLock { totals.add(loop.summary) }
    }

    /// Waits for the loops; once a stop was requested, at most the shutdown grace. False when the
    /// grace ran out first.
    private func waitForLoops(_ group: DispatchGroup) -> Bool {
        while group.wait(timeout: .now() + 0.1) == .timedOut {
            guard stopSignal.isStopped else { continue }
            let now = MonotonicClock.now()
            let since = lock.withLock {
                if stopSeenAt == nil { stopSeenAt = now }
                return stopSeenAt ?? now
            }
            if now - since >= configuration.shutdownGrace { return false }
        }
        return true
    }

    private func remainingGrace() -> Double {
        guard let since = lock.withLock({ stopSeenAt }) else { return configuration.shutdownGrace }
        return configuration.shutdownGrace - (MonotonicClock.now() - since)
    }

    private func outcome(drained: Bool) throws(WorkerError) -> WorkerSummary {
        let (summary, fatal, stuck) = lock.withLock { (totals, fatalDatabaseError, stuckLoop) }
        logger.info("worker stopped", metadata: [
            "succeeded": "\(summary.succeeded)", "failed": "\(summary.failed)", "retried": "\(summary.retried)",
            "lost_lease": "\(summary.lostLease)", "reconnects": "\(summary.reconnects)",
        ])
        if let fatal { throw .database(fatal) }
        if let stuck { throw stuck }
        if !drained {
            throw .shutdownGraceExpired(graceSeconds: configuration.shutdownGrace,
                                        jobsInFlight: loops.reduce(0) { $0 + $1.snapshot.jobs.count })
        }
        return summary
    }

    /// Threads (claim loops, heartbeat) still running that have made no progress for more than
    /// `seconds`, longest first: what `/healthz` reports.
    public func stalledLoops(after seconds: Double) -> [(loop: String, seconds: Double)] {
        let now = MonotonicClock.now()
        return (loops + [heartbeatProgress]).compactMap { progress in
            let snapshot = progress.snapshot
            let idle = now - snapshot.lastProgress
            return !snapshot.ended && idle > seconds ? (progress.name, idle) : nil
        }.sorted { $0.seconds > $1.seconds }
    }

    /// A database error no retry cures: every loop stops, and `run` throws it.
    func recordFatal(_ error: PostgresError) {
        lock.withLock { if fatalDatabaseError == nil { fatalDatabaseError = error } }
        stopSignal.stop()
    }

    /// A loop stopped making progress while holding jobs: the worker stops (exit non-zero).
    func recordStuck(_ error: WorkerError) {
        lock.withLock { if stuckLoop == nil { stuckLoop = error } }
        stopSignal.stop()
    }

    func addReconnects(_ count: Int) {
        lock.withLock { totals.reconnects += count }
    }
}
