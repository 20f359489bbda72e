import CoreMetrics
import Dispatch
import Foundation
import JobQueue
import Logging
import Worker

/// A thread with its own connection that checks the database every `interval` seconds
/// (`SELECT 1`, 2 s statement and connect timeouts) for `/readyz`, and every `depthInterval`
/// seconds reads the queue depth into gauges. `/readyz` reads the last result: never a query per
/// scrape, and a hung server shows as a stale check rather than a hung endpoint.
public final class DatabaseProbe: @unchecked Sendable {
    public let interval: Double
    public let depthInterval: Double
    private let url: String
    private let logger: Logger
    private let stopSignal = StopSignal()
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var lastSuccess: UInt64?
    private var lastCheckFailed = true
    private var lastError = "not checked yet"
    private let gauges = QueueGauges()

    public init(url: String, interval: Double = 1, depthInterval: Double = 5, logger: Logger) {
        self.url = url
        self.interval = interval
        self.depthInterval = depthInterval
        self.logger = logger
    }

    public func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "sigverify-readiness"
        thread.start()
    }

    public func stop() {
        stopSignal.stop()
        done.wait()
    }

    /// Nil when the last check succeeded, within three intervals (a hung check goes stale), else why not.
    public func problem() -> String? {
        lock.lock()
        defer { lock.unlock() }
        let fresh = lastSuccess.map { Double(DispatchTime.now().uptimeNanoseconds &- $0) / 1e9 <= 3 * interval } ?? false
        if fresh && !lastCheckFailed { return nil }
        return "database unreachable: " + (lastCheckFailed ? lastError : "no answer for over \(3 * interval) s")
    }

    private func run() {
        var queue: JobQueue?
        var nextDepth = DispatchTime.now()
        repeat {
            do {
                let q = try queue ?? JobQueue(url: url, settings: ConnectionSettings(connectTimeoutSeconds: 2, statementTimeoutSeconds: 2),
                                              logger: logger)
                queue = q
                try q.db.execute("SELECT 1")
                record(success: true, error: nil)
                if DispatchTime.now() >= nextDepth {
                    gauges.record(try q.depth())
                    nextDepth = DispatchTime.now() + depthInterval
                }
            } catch {
                if queue?.db.isHealthy == false { queue = nil }
                record(success: false, error: "\(error)")
            }
        } while !stopSignal.wait(seconds: interval)
        queue?.db.close()
    }

    private func record(success: Bool, error: String?) {
        lock.lock()
        if success { lastSuccess = DispatchTime.now().uptimeNanoseconds }
        lastCheckFailed = !success
        if let error { lastError = error }
        lock.unlock()
        gauges.databaseUp(success)
    }
}

/// `sigverify_queue_jobs{status}`, `sigverify_queue_oldest_age_seconds`, `sigverify_database_up`.
struct QueueGauges {
    private let queued = Gauge(label: "sigverify_queue_jobs", dimensions: [("status", "queued")])
    private let running = Gauge(label: "sigverify_queue_jobs", dimensions: [("status", "running")])
    private let oldest = Gauge(label: "sigverify_queue_oldest_age_seconds")
    private let up = Gauge(label: "sigverify_database_up")

    func record(_ depth: QueueDepth) {
        queued.record(depth.queued)
        running.record(depth.running)
        oldest.record(depth.oldestQueuedSeconds)
    }

    func databaseUp(_ reachable: Bool) { up.record(reachable ? 1 : 0) }
}
