import Dispatch
import Foundation

/// When each of a worker's threads (claim loops, heartbeat) last made progress, for the liveness
/// check: a thread `begin`s under a loop name, marks itself each time round its loop and while
/// retrying, and is forgotten when its loop ends. Monotonic clock; thread-safe.
public final class LoopProgress: @unchecked Sendable {
    private static let threadKey = "sigverify.loop-progress"
    private let lock = NSLock()
    private var lastMark: [String: UInt64] = [:]

    public init() {}

    /// The calling thread runs loop `name` from now on (not `Thread.name`: Linux truncates those).
    public func begin(_ name: String) {
        Thread.current.threadDictionary[LoopProgress.threadKey] = name
        mark(name)
    }

    /// Records progress of the calling thread's loop (or of `name`).
    public func mark(_ name: String? = nil) {
        let key = name ?? LoopProgress.currentLoop
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock()
        lastMark[key] = now
        lock.unlock()
    }

    /// The calling thread's (or `name`'s) loop has ended: it can no longer stall.
    public func finish(_ name: String? = nil) {
        let key = name ?? LoopProgress.currentLoop
        lock.lock()
        lastMark[key] = nil
        lock.unlock()
    }

    private static var currentLoop: String {
        Thread.current.threadDictionary[threadKey] as? String ?? Thread.current.name ?? "unnamed"
    }

    /// Loops that have not marked progress for more than `seconds`, with how long, oldest first.
    public func stalled(after seconds: Double) -> [(loop: String, seconds: Double)] {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock()
        let marks = lastMark
        lock.unlock()
        return marks.map { (loop: $0.key, seconds: Double(now &- $0.value) / 1e9) }
            .filter { $0.seconds > seconds }
            .sorted { $0.seconds > $1.seconds }
    }
}
