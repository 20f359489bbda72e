import Dispatch
import JobQueue

/// One batch being processed on a thread of its own while its claim loop talks to the database
/// (claims the next batch, writes the previous one): started once, waited for once.
final class BatchInFlight: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let outcomes = Locked<[ScanOutcome]>([])

    /// Starts `runner` over `jobs` on a new thread named `name`.
    init(_ runner: BatchRunner, jobs: [ClaimedJob], name: String) {
        WorkerThread.start(name) { [done, outcomes] in
            let produced = runner.outcomes(for: jobs)
            outcomes.withLock { $0 = produced }
            done.signal()
        }
    }

    /// The batch's outcomes, in job order, once processing has finished.
    func wait() -> [ScanOutcome] {
        done.wait()
        return outcomes.withLock { $0 }
    }
}

/// A claimed batch as its loop holds it: the jobs and when they were claimed.
struct HeldBatch {
    var jobs: [ClaimedJob] = []
    var claimedAt = DispatchTime.now()

    /// What claiming it reports to the state machine.
    var event: LoopEvent {
        jobs.isEmpty ? .claimedNothing : .claimed(jobs: jobs.count, bytes: jobs.reduce(0) { $0 + ($1.image?.count ?? 0) })
    }
}

extension ClaimedJob {
    /// The job without its scan's bytes and its subject's references (once processed, only its
    /// results are kept).
    var withoutScan: ClaimedJob {
        var job = self
        job.image = nil
        job.references = []
        return job
    }
}
