import Foundation

/// How many cores the calling thread's network passes may use — the one place thread use is decided.
/// OpenBLAS's own thread pool is held at one thread for the whole process (`BLAS.sgemm` pins it before
/// the first call and nothing changes it afterwards); every split across cores is made by the engine
/// itself (`Parallel`, `BLAS.sgemmSplit`) within the caller's share. Concurrent callers therefore
/// cannot change each other's thread use: a worker with `--concurrency 2` on 2 cores runs each loop
/// with `with(cores: perCaller(2))` = 1 core, and neither loop's layers touch a process-wide setting.
public enum CoreShare {
    /// The share bound by `with(cores:)` on this thread (or task); nil = the whole machine.
    private static let bound = TaskLocal<Int?>(wrappedValue: nil)

    /// The cores this process may run on.
    public static let machine = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The calling thread's share: what `with(cores:)` bound, else every core of the machine.
    public static var current: Int { bound.get() ?? machine }

    /// Runs `body` with this thread's network passes limited to `cores` cores (at least 1, at most the machine's).
    public static func with<T>(cores: Int, _ body: () throws -> T) rethrows -> T {
        try bound.withValue(min(machine, max(1, cores)), operation: body)
    }

    /// Each of `callers` concurrent callers' share: the machine's cores split evenly, at least one.
    public static func perCaller(_ callers: Int) -> Int { max(1, machine / max(1, callers)) }
}
