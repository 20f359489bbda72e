import Dispatch
import Foundation
import JobQueue
import Logging

/// The I/O shell around one loop's `LoopStateMachine`: performs each action (connect, claim,
/// process, write, wait, back off) on the loop's own connection and reports what happened.
/// Everything about retries, backoff, draining and giving up lives in the state machine.
///
/// Overlap (issue 24): a batch is processed on a thread of its own (`BatchInFlight`) while this
/// thread claims the next batch (`.prefetch`) and, once the first is processed, writes it while
/// the next is processed. At most two batches' scans are held: the one processed and the one
/// claimed ahead (a processed batch keeps its results, not its scans).
final class ClaimLoop {
    private let context: ClaimLoopContext
    private let progress: LoopProgress
    private let log: Logger
    private var queue: JobQueue?
    /// The batch processed, then written.
    private var batch = HeldBatch()
    /// The batch claimed ahead of it, processed while `batch` is written.
    private var ahead = HeldBatch()
    /// The processing on its own thread: of `batch` until its results are in, then of `ahead`.
    private var inFlight: BatchInFlight?
    private var results: [JobResult] = []
    /// What this loop did (added to the worker's totals when the loop ends).
    private(set) var summary = WorkerSummary()

    init(context: ClaimLoopContext, progress: LoopProgress, log: Logger) {
        self.context = context
        self.progress = progress
        self.log = log
    }

    /// Runs the loop until its state machine says exit.
    func run() -> LoopExit {
        var machine = LoopStateMachine(rules: context.rules)
        var action = machine.start()
        while true {
            if context.stopSignal.isStopped, !machine.isStopping {
                action = machine.handle(.stopRequested, now: MonotonicClock.now())
            }
            if let reason = exitReason(action) {
                _ = inFlight?.wait()  // its scans' work is not left running behind the loop
                queue?.db.close()
                return reason
            }
            let event = perform(action)
            if case .failed = event {} else { progress.advance() }
            action = machine.handle(event, now: MonotonicClock.now())
        }
    }

    /// Why the loop ends after `action`, if it does. An invalid transition is reported as the
    /// worker's fatal error: every loop stops and `Worker.run` throws it.
    private func exitReason(_ action: LoopAction) -> LoopExit? {
        switch action {
        case .exit(let reason):
            return reason
        case .abort(let transition):
            log.critical("invalid claim loop transition", metadata: ["transition": "\(transition)"])
            context.failures.recordFatal(.invalidLoopTransition(loop: progress.loop, transition))
            return .fatal
        case .connect, .claim, .checkPending, .wait, .process, .prefetch, .write, .giveUpBatch, .backoff:
            return nil
        }
    }

    private func perform(_ action: LoopAction) -> LoopEvent {
        switch action {
        case .connect: return database(openOrReset)
        case .claim: return database(claim)
        case .checkPending: return database(checkPending)
        case .wait(let seconds): return database { () throws(PostgresError) in try idle(seconds) }
        case .process: return processBatch()
        case .prefetch: return database(prefetch)
        case .write: return database(writeResults)
        case .giveUpBatch: return giveUp()
        case .backoff(let seconds, let step): return backoff(seconds, then: step)
        case .exit, .abort: return .stopRequested  // not reached: `run` returns on both
        }
    }

    // MARK: Steps

    private func openOrReset() throws(PostgresError) -> LoopEvent {
        if let queue {
            try queue.db.reset()
            summary.reconnects += 1
            context.metrics.reconnected()
            log.info("reconnected")
        } else {
            queue = try JobQueue(url: context.database.url, settings: context.database.settings, logger: log)
        }
        try context.notifications.listen(try connected().db, log: log)
        return .connected
    }

    private func claim() throws(PostgresError) -> LoopEvent {
        batch = try claimBatch()
        hold()
        return batch.event
    }

    /// Starts processing the batch in the background, then claims the next batch meanwhile.
    private func prefetch() throws(PostgresError) -> LoopEvent {
        startProcessing(batch.jobs)
        ahead = try claimBatch()
        hold()
        return ahead.event
    }

    private func claimBatch() throws(PostgresError) -> HeldBatch {
        let limits = context.claim
        let jobs = try connected().claim(batchSize: limits.batchSize, batchBytes: limits.batchBytes,
                                         leaseSeconds: limits.leaseSeconds, workerId: context.workerId,
                                         maxScanBytes: limits.maxScanBytes,
                                         writerModelVersion: context.processor.writerModelVersion)
        guard !jobs.isEmpty else { return HeldBatch() }
        context.metrics.claimed(jobs.count)
        summary.batches += 1
        return HeldBatch(jobs: jobs)
    }

    /// The jobs whose leases the heartbeat keeps: the batch and the one claimed ahead.
    private func hold() {
        progress.hold((batch.jobs + ahead.jobs).map(\.id))
    }

    private func checkPending() throws(PostgresError) -> LoopEvent {
        let pending = try connected().depth()
        if context.rules.untilEmpty, pending.queued == 0, pending.running == 0 {
            log.info("queue is empty; loop exiting")
        }
        return .pending(queued: pending.queued, running: pending.running,
                        secondsUntilNextRunnable: pending.secondsUntilNextRunnable)
    }

    private func idle(_ seconds: Double) throws(PostgresError) -> LoopEvent {
        _ = try connected().db.waitForNotifications(timeout: seconds, wakeFD: context.stopSignal.wakeFD)
        return .woke
    }

    private func processBatch() -> LoopEvent {
        startProcessing(batch.jobs)
        let outcomes = inFlight?.wait() ?? []
        inFlight = nil
        context.metrics.processed(outcomes)
        results = zip(batch.jobs, outcomes).map { JobResult(job: $0.withoutScan, outcome: $1) }
        batch.jobs = batch.jobs.map(\.withoutScan)  // written from here on: its scans are let go
        return .processed
    }

    /// Processing on its own thread, unless it already runs.
    private func startProcessing(_ jobs: [ClaimedJob]) {
        guard inFlight == nil, !jobs.isEmpty else { return }
        let progress = progress
        let runner = BatchRunner(processor: context.processor, log: log, scanDone: { progress.advance() })
        inFlight = BatchInFlight(runner, jobs: jobs, name: "\(progress.name)-batch")
    }

    /// Writes the batch's results. Safe to repeat: `finish` only writes rows still leased to this
    /// worker for the same attempt, so a commit that landed just before the connection broke is
    /// not applied twice.
    private func writeResults() throws(PostgresError) -> LoopEvent {
        startProcessing(ahead.jobs)
        let finished = try connected().finish(results, workerId: context.workerId, retryPolicy: context.retryPolicy)
        batchFinished(finished)
        release()
        return .written
    }

    /// One batch's results are in the database.
    private func batchFinished(_ finished: FinishSummary) {
        context.metrics.finished(finished, claimedAt: batch.claimedAt)
        summary.succeeded += finished.succeeded.count
        summary.failed += finished.failed.count
        summary.retried += finished.retried.count
        summary.lostLease += finished.lostLease.count
    }

    private func giveUp() -> LoopEvent {
        log.error("could not write batch results; giving the batch up (its leases run out and peers retry it)",
                  metadata: ["jobs": "\(batch.jobs.map(\.id))"])
        startProcessing(ahead.jobs)
        context.metrics.finished(nil, claimedAt: batch.claimedAt)
        release()
        return .gaveUp
    }

    /// The batch is written or given up: the one claimed ahead (processing since) takes its place.
    private func release() {
        batch = ahead
        ahead = HeldBatch()
        results = []
        hold()
    }

    /// Sleeps `seconds`; a stop request cuts the sleep short unless a batch is still to be written.
    private func backoff(_ seconds: Double, then step: LoopStateMachine.Step) -> LoopEvent {
        if batch.jobs.isEmpty {
            context.stopSignal.wait(seconds: seconds)
        } else {
            Thread.sleep(forTimeInterval: seconds)
        }
        return .backedOff(step)
    }

    // MARK: Database faults

    private func connected() throws(PostgresError) -> JobQueue {
        guard let queue else { throw PostgresError(kind: .connectionLost, message: "not connected") }
        return queue
    }

    /// Runs a database step; a failure becomes the fault the state machine retries (or stops) on.
    private func database(_ step: () throws(PostgresError) -> LoopEvent) -> LoopEvent {
        do {
            return try step()
        } catch {
            let fault = classify(error)
            if fault == .fatal {
                log.error("database error", metadata: ["error": "\(error)"])
                context.failures.recordFatal(.database(error))
            } else {
                log.warning("database step failed; retrying", metadata: ["error": "\(error)"])
            }
            return .failed(fault)
        }
    }

    /// A refused login or a missing schema is fatal; a transient error on a broken connection
    /// needs a reconnect first.
    private func classify(_ error: PostgresError) -> DatabaseFault {
        if error.isConnectionProblem { return .connection }
        if !error.isTransient { return .fatal }
        return queue?.db.isHealthy == true ? .transient : .connection
    }
}
