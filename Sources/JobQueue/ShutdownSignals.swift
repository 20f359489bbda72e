import Dispatch
import Foundation

/// SIGTERM / SIGINT / SIGHUP handling for a worker or an enqueue run: the first signal asks for a
/// graceful stop (finish the batch in flight, write its results, exit 0); a second one exits at once. SIGHUP (a
/// closed terminal or session, `kill -HUP`) counts as a stop request: there is nothing to reload,
/// and its default action would kill the process mid-batch. A SIGHUP already ignored at start
/// (`nohup`) stays ignored, as the caller asked.
public final class ShutdownSignals: @unchecked Sendable {
    public static let stopSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP]
    private var sources: [DispatchSourceSignal] = []
    /// Signals received so far, under `lock` (the handlers run on a global queue).
    private var received = 0
    private let lock = NSLock()

    public init(signals: [Int32] = ShutdownSignals.stopSignals, onFirst: @escaping @Sendable (Int32) -> Void) {
        for sig in signals {
            let previous = signal(sig, SIG_IGN)
            if sig == SIGHUP && Self.sameHandler(previous, SIG_IGN) { continue }
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if lock.withLock({ received += 1; return received }) == 1 {
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
