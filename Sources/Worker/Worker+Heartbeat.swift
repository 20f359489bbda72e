import Foundation
import JobQueue
import Logging

extension Worker {
    /// Every `leaseSeconds / 3`: extends the leases of loops that are making progress (the
    /// `LeaseWatchdog` decides), reports stuck loops once, and reaps expired leases of any worker.
    func heartbeatLoop(until loopsDone: StopSignal) {
        var log = logger
        log[metadataKey: "thread"] = "heartbeat"
        let config = configuration
        let watchdog = LeaseWatchdog(batchDeadline: config.batchDeadline, leaseSeconds: config.leaseSeconds,
                                     pollInterval: config.pollInterval)
        var reported = Set<Int>()
        var reconnects = 0
        var queue: JobQueue?
        let interval = max(0.2, config.leaseSeconds / 3)
        repeat {
            heartbeatProgress.advance()
            let review = watchdog.review(loops.map(\.snapshot), now: MonotonicClock.now())
            for stuck in review.stuck where reported.insert(stuck.loop).inserted {
                let error = WorkerError.loopStuck(loop: stuck.loop, idleSeconds: stuck.idleSeconds, jobs: stuck.jobs)
                log.error("no progress: \(error); stopping the worker")
                failures.recordStuck(error)
            }
            do {
                let q = try heartbeatConnection(queue, log: log, reconnects: &reconnects)
                queue = q
                try q.heartbeat(workerId: config.workerId, jobIds: review.renew, leaseSeconds: config.leaseSeconds)
                try q.reapExpiredLeases(retryPolicy: config.retryPolicy)
            } catch {
                log.warning("heartbeat failed", metadata: ["error": "\(error)"])
                if !error.isTransient { failures.recordFatal(.database(error)) }
            }
        } while !loopsDone.wait(seconds: interval)
        heartbeatProgress.end()
        addReconnects(reconnects)
        if let q = queue { try? q.markWorkerStopped(id: config.workerId) }
        queue?.db.close()
    }

    /// The heartbeat's connection: opened (and this worker registered) the first time, reset when broken.
    private func heartbeatConnection(_ queue: JobQueue?, log: Logger, reconnects: inout Int) throws(PostgresError) -> JobQueue {
        if let queue {
            if !queue.db.isHealthy {
                try queue.db.reset()
                reconnects += 1
                metrics.reconnected()
            }
            return queue
        }
        let config = configuration
        let q = try JobQueue(url: config.databaseURL, settings: config.connection, logger: log)
        try q.registerWorker(id: config.workerId, hostname: ProcessInfo.processInfo.hostName,
                             pid: Int(ProcessInfo.processInfo.processIdentifier),
                             concurrency: config.concurrency, modelVersion: processor.modelVersion)
        return q
    }
}
