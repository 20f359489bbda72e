import Foundation

/// The worker's plain threads (claim loops, heartbeat): blocking libpq calls never run on a
/// Dispatch or concurrency pool.
enum WorkerThread {
    /// Starts `body` on a new named thread with an 8 MiB stack.
    static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }
}
