import Foundation
import JobQueue
import Logging

/// Runs the processor over a claimed batch: jobs whose bytes were not fetched fail without it
/// (with the claim's reason), and a processor that breaks its contract (wrong count) turns into
/// transient failures rather than a crash.
struct BatchRunner: Sendable {
    let processor: any ScanProcessor
    let log: Logger
    /// Called as each scan's own work is done (the loop's progress for the watchdog).
    var scanDone: @Sendable () -> Void = {}

    func outcomes(for jobs: [ClaimedJob]) -> [ScanOutcome] {
        var outcomes = [ScanOutcome?](repeating: nil, count: jobs.count)
        var runnable: [Int] = []
        for (i, job) in jobs.enumerated() {
            if let failure = job.imageFailure {
                outcomes[i] = .failure(failure)
            } else if job.image == nil {
                outcomes[i] = .failure(.permanent("job has no image bytes (never submitted or already pruned)"))
            } else {
                runnable.append(i)
            }
        }
        if !runnable.isEmpty {
            let started = Date()
            let produced = processor.process(runnable.map { jobs[$0] }, scanDone: scanDone)
            if produced.count == runnable.count {
                for (k, i) in runnable.enumerated() { outcomes[i] = produced[k] }
            } else {
                let reason = "processor returned \(produced.count) outcomes for \(runnable.count) scans"
                log.error("\(reason)")
                for i in runnable { outcomes[i] = .failure(.transient(reason)) }
            }
            log.debug("batch processed", metadata: [
                "jobs": "\(jobs.map(\.id))", "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
            ])
        }
        return outcomes.map { $0 ?? .failure(.transient("no outcome")) }
    }
}
