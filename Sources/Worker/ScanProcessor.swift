import JobQueue

/// Turns a claimed batch into outcomes — the part of the worker that knows about images and
/// networks. Called from several claim loops at once (`--concurrency`), hence `Sendable`.
public protocol ScanProcessor: Sendable {
    /// Recorded with the worker in `sigverify.workers` (the model bundle's version).
    var modelVersion: String { get }

    /// One outcome per job, in the same order. Bad input must become `.failure(.permanent(…))`,
    /// never a crash: a poison scan must not take the worker down.
    func process(_ jobs: [ClaimedJob]) -> [ScanOutcome]
}
