import Foundation

/// A one-way "please stop" shared by a worker's threads. Sleepers wake at once: threads waiting
/// in `wait(seconds:)` through a condition variable, threads waiting on the database socket
/// through `wakeFD`, a pipe that becomes readable when stop is requested.
public final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false
    private let pipeFDs: (read: Int32, write: Int32)

    public init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            pipeFDs = (fds[0], fds[1])
        } else {
            pipeFDs = (-1, -1)
        }
    }

    deinit {
        if pipeFDs.read >= 0 { close(pipeFDs.read) }
        if pipeFDs.write >= 0 { close(pipeFDs.write) }
    }

    /// Readable once stop was requested (for `poll` alongside the database socket).
    public var wakeFD: Int32? { pipeFDs.read >= 0 ? pipeFDs.read : nil }

    public var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    public func stop() {
        condition.lock()
        let first = !stopped
        stopped = true
        condition.broadcast()
        condition.unlock()
        if first, pipeFDs.write >= 0 {
            var byte: UInt8 = 1
            _ = write(pipeFDs.write, &byte, 1)
        }
    }

    /// Sleeps up to `seconds`; returns true when stopped (at once if already stopped).
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: max(0, seconds))
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            if !condition.wait(until: deadline) { break }
        }
        return stopped
    }
}
