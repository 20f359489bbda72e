import Dispatch
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

/// SIGTERM / SIGINT / SIGHUP handling for the worker: the first signal asks for a graceful stop
/// (finish the batch in flight, write its results, exit 0); a second one exits at once. SIGHUP (a
/// closed terminal or session, `kill -HUP`) counts as a stop request: there is nothing to reload,
/// and its default action would kill the process mid-batch. A SIGHUP already ignored at start
/// (`nohup`) stays ignored, as the caller asked.
public final class ShutdownSignals: @unchecked Sendable {
    public static let stopSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP]
    private var sources: [DispatchSourceSignal] = []

    public init(signals: [Int32] = ShutdownSignals.stopSignals, onFirst: @escaping @Sendable (Int32) -> Void) {
        let received = Locked(0)
        for sig in signals {
            let previous = signal(sig, SIG_IGN)
            if sig == SIGHUP && Self.sameHandler(previous, SIG_IGN) { continue }
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if received.withLock({ $0 += 1; return $0 }) == 1 {
                    onFirst(sig)
                } else {
                    exit(128 + sig)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { for s in sources { s.cancel() } }

    /// C function pointers (signal handlers) have no `==`: compare their addresses.
    private static func sameHandler<Handler>(_ a: Handler, _ b: Handler) -> Bool {
        unsafeBitCast(a, to: Int.self) == unsafeBitCast(b, to: Int.self)
    }
}
