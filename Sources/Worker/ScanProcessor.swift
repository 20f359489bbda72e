import JobQueue

/// Turns a claimed batch into outcomes — the part of the worker that knows about images and
/// networks. Called from several claim loops at once (`--concurrency`), hence `Sendable`.
public protocol ScanProcessor: Sendable {
    /// Recorded with the worker in `sigverify.workers` (the model bundle's version).
    var modelVersion: String { get }

    /// The writer model's version when the processor matches jobs with a subject: their
    /// references are claimed with the batch (embeddings cached for this version). nil: none.
    var writerModelVersion: String? { get }

    /// One outcome per job, in the same order. Bad input must become `.failure(.permanent(…))`,
    /// never a crash: a poison scan must not take the worker down.
    func process(_ jobs: [ClaimedJob]) -> [ScanOutcome]

    /// The same, calling `scanDone` each time one scan's own work (decode, preprocessing) is done —
    /// from whichever thread did it — so the watchdog sees a batch of slow scans move: 32 scans
    /// that each use their whole 20 s decode budget take longer than the 300 s batch deadline, yet
    /// the loop is not stuck. The default ignores it.
    func process(_ jobs: [ClaimedJob], scanDone: @escaping @Sendable () -> Void) -> [ScanOutcome]
}

extension ScanProcessor {
    public var writerModelVersion: String? { nil }

    public func process(_ jobs: [ClaimedJob], scanDone: @escaping @Sendable () -> Void) -> [ScanOutcome] {
        process(jobs)
    }
}
