import Foundation
import JobQueue
import Logging
import NeuralNet

/// The worker process: `concurrency` claim loops (`ClaimLoop`, each driven by a
/// `LoopStateMachine`) plus one heartbeat thread that extends the leases of loops that are making
/// progress and reaps expired ones. Blocking libpq calls run on plain threads (`WorkerThread`).
public final class Worker: Sendable {
    public let configuration: WorkerConfiguration
    public let processor: any ScanProcessor
    public let stopSignal: StopSignal
    let logger: Logger
    /// One per loop: the jobs it holds and its progress clock (read by the heartbeat).
    let loops: [LoopProgress]
    /// The heartbeat thread's progress clock (liveness only: it holds no jobs).
    let heartbeatProgress = LoopProgress(loop: -1, name: "heartbeat")
    /// Counters and timers through swift-metrics (no-ops unless a backend was bootstrapped).
    let metrics = WorkerMetrics()
    /// LISTEN, or poll behind a transaction pooler (decided once, on the first connection).
    let notifications: NotificationPolicy
    /// The first fatal error and the first stuck loop; recording either stops every loop.
    let failures: WorkerFailures
    private let grace: ShutdownGrace
    private let totals = Locked(WorkerSummary())

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
        let stopSignal = StopSignal()
        self.stopSignal = stopSignal
        self.failures = WorkerFailures(stopping: stopSignal)
        self.grace = ShutdownGrace(seconds: configuration.shutdownGrace)
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
        WorkerThread.start("sigverify-heartbeat") { [self] in
            heartbeatLoop(until: loopsDone)
            heartbeatDone.signal()
        }
        let group = DispatchGroup()
        let cores = CoreShare.perCaller(config.concurrency)  // each loop's share of the cores, decided once
        let context = ClaimLoopContext(configuration: config, processor: processor, metrics: metrics,
                                       notifications: notifications, stopSignal: stopSignal, failures: failures)
        for progress in loops {
            group.enter()
            WorkerThread.start("sigverify-loop-\(progress.loop)") { [self] in
                CoreShare.with(cores: cores) { runLoop(progress, context: context) }
                group.leave()
            }
        }
        let drained = waitForLoops(group)
        loopsDone.stop()
        _ = heartbeatDone.wait(timeout: .now() + max(1, grace.remaining(now: MonotonicClock.now())))
        return try outcome(drained: drained)
    }

    private func runLoop(_ progress: LoopProgress, context: ClaimLoopContext) {
        var log = logger
        log[metadataKey: "loop"] = "\(progress.loop)"
        let loop = ClaimLoop(context: context, progress: progress, log: log)
        _ = loop.run()
        progress.end()
        totals.withLock { $0.add(loop.summary) }
    }

    /// Waits for the loops; once a stop was requested, at most the shutdown grace. False when the
    /// grace ran out first.
    private func waitForLoops(_ group: DispatchGroup) -> Bool {
        while group.wait(timeout: .now() + 0.1) == .timedOut {
            guard stopSignal.isStopped else { continue }
            if grace.expired(now: MonotonicClock.now()) { return false }
        }
        return true
    }

    private func outcome(drained: Bool) throws(WorkerError) -> WorkerSummary {
        let summary = totals.withLock { $0 }
        logger.info("worker stopped", metadata: [
            "succeeded": "\(summary.succeeded)", "failed": "\(summary.failed)", "retried": "\(summary.retried)",
            "lost_lease": "\(summary.lostLease)", "reconnects": "\(summary.reconnects)",
        ])
        if let failure = failures.first { throw failure }
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

    /// The heartbeat's reconnects, added to the run's totals when it ends.
    func addReconnects(_ count: Int) {
        totals.withLock { $0.reconnects += count }
    }
}
