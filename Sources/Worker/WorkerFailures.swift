/// Why the whole worker stops with an error: the first fatal error (a database error no retry
/// cures, an invalid loop transition) and the first stuck loop. Recording either stops every loop.
/// Thread-safe.
final class WorkerFailures: Sendable {
    private struct Recorded: Sendable {
        var fatal: WorkerError?
        var stuck: WorkerError?
    }

    private let stopSignal: StopSignal
    private let recorded = Locked(Recorded())

    init(stopping stopSignal: StopSignal) {
        self.stopSignal = stopSignal
    }

    /// An error no retry cures: every loop stops, and `Worker.run` throws it.
    func recordFatal(_ error: WorkerError) {
        recorded.withLock { if $0.fatal == nil { $0.fatal = error } }
        stopSignal.stop()
    }

    /// A loop stopped making progress while holding jobs: the worker stops (exit non-zero).
    func recordStuck(_ error: WorkerError) {
        recorded.withLock { if $0.stuck == nil { $0.stuck = error } }
        stopSignal.stop()
    }

    /// What `Worker.run` throws: a fatal error before a stuck loop.
    var first: WorkerError? {
        recorded.withLock { $0.fatal ?? $0.stuck }
    }
}
