import Foundation
import JobQueue
import Logging
import NeuralNet

/// How a worker process runs.
public struct WorkerConfiguration: Sendable {
    public var databaseURL: String
    /// Claim/process loops in this process, each with its own connection.
    public var concurrency: Int
    /// Jobs claimed (and sent through the networks) at once.
    public var batchSize: Int
    /// Lease length; the heartbeat extends it every `leaseSeconds / 3`.
    public var leaseSeconds: Double
    /// Longest idle wait before polling again when no NOTIFY arrives (deferred retries are
    /// not announced; NOTIFY may be missed across a reconnect).
    public var pollInterval: Double
    /// Exit once nothing is queued or running (batch runs, demos, tests).
    public var untilEmpty: Bool
    public var retryPolicy: RetryPolicy
    /// Scans larger than this are not fetched: their jobs fail with the reason.
    public var maxScanBytes: Int
    /// Unique per process: written as lease owner, verdict worker and event worker.
    public var workerId: String
    /// Timeouts and keepalives of every connection (the URL's own values win).
    public var connection: ConnectionSettings

    public init(databaseURL: String, concurrency: Int = 1, batchSize: Int = 32, leaseSeconds: Double = 30,
                pollInterval: Double = 5, untilEmpty: Bool = false, retryPolicy: RetryPolicy = RetryPolicy(),
                maxScanBytes: Int = JobQueue.defaultMaxScanBytes, workerId: String = WorkerConfiguration.defaultWorkerId(),
                connection: ConnectionSettings = ConnectionSettings()) {
        self.databaseURL = databaseURL
        self.concurrency = concurrency
        self.batchSize = batchSize
        self.leaseSeconds = leaseSeconds
        self.pollInterval = pollInterval
        self.untilEmpty = untilEmpty
        self.retryPolicy = retryPolicy
        self.maxScanBytes = maxScanBytes
        self.workerId = workerId
        self.connection = connection
    }

    /// `hostname:pid:random` — unique even when a container restarts with the same pid.
    public static func defaultWorkerId() -> String {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
    }
}

public enum WorkerError: Error, CustomStringConvertible {
    case invalidConfiguration(String)
    case database(PostgresError)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return "invalid worker configuration: \(message)"
        case .database(let error):
            let hint = error.sqlState == "42P01" || error.sqlState == "3F000" ? " (run `sigverify migrate` first)" : ""
            return "worker stopped on a database error: \(error)\(hint)"
        }
    }
}

/// What a worker run did.
public struct WorkerSummary: Sendable, Equatable {
    public var batches = 0
    public var succeeded = 0
    public var failed = 0
    public var retried = 0
    public var lostLease = 0
    public var reconnects = 0

    public init() {}

    mutating func add(_ other: WorkerSummary) {
        batches += other.batches
        succeeded += other.succeeded
        failed += other.failed
        retried += other.retried
        lostLease += other.lostLease
        reconnects += other.reconnects
    }
}

/// The worker process: `concurrency` claim → process → finish loops plus one heartbeat thread that
/// extends this process's leases and reaps expired ones. Blocking libpq calls run on plain threads.
public final class Worker: @unchecked Sendable {
    public let configuration: WorkerConfiguration
    public let processor: any ScanProcessor
    public let stopSignal = StopSignal()
    private let logger: Logger
    private let lock = NSLock()
    private var totals = WorkerSummary()
    private var fatalError: PostgresError?
    /// Jobs the claim loops hold right now; only these leases are extended by the heartbeat.
    private var inFlight = Set<Int64>()

    public init(configuration: WorkerConfiguration, processor: any ScanProcessor,
                logger: Logger = Logger(label: "sigverify.worker")) throws(WorkerError) {
        guard configuration.concurrency >= 1 else { throw .invalidConfiguration("concurrency must be at least 1") }
        guard configuration.batchSize >= 1 else { throw .invalidConfiguration("batch size must be at least 1") }
        guard configuration.leaseSeconds >= 1 else { throw .invalidConfiguration("lease must be at least 1 second") }
        guard configuration.pollInterval > 0 else { throw .invalidConfiguration("poll interval must be positive") }
        self.configuration = configuration
        self.processor = processor
        var logger = logger
        logger[metadataKey: "worker"] = "\(configuration.workerId)"
        self.logger = logger
    }

    /// Asks every loop to stop claiming; batches in flight are finished and written. Thread-safe.
    public func requestStop() { stopSignal.stop() }

    /// Runs until `requestStop()` (or, with `untilEmpty`, until the queue drains). Throws only
    /// for database errors that a reconnect cannot cure (e.g. the schema is missing).
    public func run() throws(WorkerError) -> WorkerSummary {
        let config = configuration
        logger.info("worker starting", metadata: [
            "concurrency": "\(config.concurrency)", "batch_size": "\(config.batchSize)",
            "lease_seconds": "\(config.leaseSeconds)", "model_version": "\(processor.modelVersion)",
        ])
        let loopsDone = StopSignal()
        let heartbeatDone = DispatchSemaphore(value: 0)
        let heartbeat = Thread { [self] in
            heartbeatLoop(until: loopsDone)
            heartbeatDone.signal()
        }
        heartbeat.name = "sigverify-heartbeat"
        heartbeat.start()

        let group = DispatchGroup()
        let cores = CoreShare.perCaller(config.concurrency)  // each loop's share, decided once
        for index in 0..<config.concurrency {
            group.enter()
            let thread = Thread { [self] in
                CoreShare.with(cores: cores) { claimLoop(index: index) }
                group.leave()
            }
            thread.name = "sigverify-loop-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        loopsDone.stop()
        heartbeatDone.wait()

        let summary: WorkerSummary
        let fatal: PostgresError?
        lock.lock()
        summary = totals
        fatal = fatalError
        lock.unlock()
        logger.info("worker stopped", metadata: [
            "succeeded": "\(summary.succeeded)", "failed": "\(summary.failed)", "retried": "\(summary.retried)",
            "lost_lease": "\(summary.lostLease)", "reconnects": "\(summary.reconnects)",
        ])
        if let fatal { throw .database(fatal) }
        return summary
    }

    // MARK: The claim loop

    private func claimLoop(index: Int) {
        var log = logger
        log[metadataKey: "loop"] = "\(index)"
        let config = configuration
        var local = WorkerSummary()
        defer {
            lock.lock()
            totals.add(local)
            lock.unlock()
        }
        guard let queue = connect(log: log, listen: true) else { return }

        while !stopSignal.isStopped {
            guard let jobs = withDatabase(queue, log: log, &local, { () throws(PostgresError) in
                try queue.claim(batchSize: config.batchSize, leaseSeconds: config.leaseSeconds, workerId: config.workerId,
                                maxScanBytes: config.maxScanBytes)
            }) else { break }

            if jobs.isEmpty {
                guard let pending = withDatabase(queue, log: log, &local, { () throws(PostgresError) in try queue.pendingWork() })
                else { break }
                if config.untilEmpty, pending.queued == 0, pending.running == 0 {
                    log.info("queue is empty; loop exiting")
                    break
                }
                // Wait for a NOTIFY, the next deferred retry, or the poll interval — whichever first.
                var timeout = config.pollInterval
                if let wait = pending.secondsUntilNextRunnable, pending.queued > 0 { timeout = min(timeout, max(0.05, wait)) }
                // Draining (--until-empty) while other loops finish their batches: no NOTIFY marks a
                // job's end, so look again soon rather than a whole poll interval later.
                if config.untilEmpty, pending.running > 0 { timeout = min(timeout, 0.5) }
                do {
                    _ = try queue.db.waitForNotifications(timeout: timeout, wakeFD: stopSignal.wakeFD)
                } catch {
                    log.warning("connection lost while idle", metadata: ["error": "\(error)"])
                    if !reconnect(queue, log: log, &local) { break }
                }
                continue
            }

            local.batches += 1
            setInFlight(jobs.map(\.id), true)
            defer { setInFlight(jobs.map(\.id), false) }
            let outcomes = processBatch(jobs, log: log)
            let results = zip(jobs, outcomes).map { JobResult(job: $0, outcome: $1) }
            if let summary = finishDurably(results, queue: queue, log: log, &local) {
                local.succeeded += summary.succeeded.count
                local.failed += summary.failed.count
                local.retried += summary.retried.count
                local.lostLease += summary.lostLease.count
            }
        }
        queue.db.close()
    }

    /// Runs the processor; jobs whose bytes were not fetched fail without it (with the claim's
    /// reason), and a processor that breaks its contract (wrong count) turns into transient
    /// failures rather than a crash.
    private func processBatch(_ jobs: [ClaimedJob], log: Logger) -> [ScanOutcome] {
        var outcomes = [ScanOutcome?](repeating: nil, count: jobs.count)
        var runnable: [Int] = []
        for (i, job) in jobs.enumerated() {
            if let failure = job.imageFailure {
                outcomes[i] = .failure(failure)
            } else if job.image == nil {
                outcomes[i] = .failure(.permanent("job has no image bytes (never submitted or already pruned)"))
            } else {
                runnable.append(i)
            }
        }
        if !runnable.isEmpty {
            let started = Date()
            let produced = processor.process(runnable.map { jobs[$0] })
            if produced.count == runnable.count {
                for (k, i) in runnable.enumerated() { outcomes[i] = produced[k] }
            } else {
                let reason = "processor returned \(produced.count) outcomes for \(runnable.count) scans"
                log.error("\(reason)")
                for i in runnable { outcomes[i] = .failure(.transient(reason)) }
            }
            log.debug("batch processed", metadata: [
                "jobs": "\(jobs.map(\.id))", "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
            ])
        }
        return outcomes.map { $0 ?? .failure(.transient("no outcome")) }
    }

    /// Writes a batch's results, reconnecting and retrying through database outages. Safe to
    /// repeat: `finish` only writes rows still leased to this worker for the same attempt, so a
    /// commit that succeeded just before the connection broke is not applied twice. Gives up
    /// after two lease lengths — by then the jobs were reaped and are someone else's.
    private func finishDurably(_ results: [JobResult], queue: JobQueue, log: Logger, _ local: inout WorkerSummary) -> FinishSummary? {
        let deadline = Date(timeIntervalSinceNow: 2 * configuration.leaseSeconds)
        var delay = 0.2
        while true {
            do {
                return try queue.finish(results, workerId: configuration.workerId, retryPolicy: configuration.retryPolicy)
            } catch {
                guard error.isTransient, Date() < deadline else {
                    log.error("could not write batch results", metadata: ["jobs": "\(results.map(\.job.id))", "error": "\(error)"])
                    if !error.isTransient { recordFatal(error) }
                    return nil
                }
                log.warning("writing results failed; retrying", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 2)
                if error.isConnectionProblem {
                    // Reconnect even when stopping: the batch in flight must still be written.
                    if (try? queue.db.reset()) != nil {
                        local.reconnects += 1
                        try? queue.db.listen(JobQueue.channel)
                    }
                }
            }
        }
    }

    // MARK: The heartbeat

    private func heartbeatLoop(until loopsDone: StopSignal) {
        var log = logger
        log[metadataKey: "thread"] = "heartbeat"
        let config = configuration
        var local = WorkerSummary()
        defer {
            lock.lock()
            totals.reconnects += local.reconnects
            lock.unlock()
        }
        var queue: JobQueue?
        let interval = max(0.2, config.leaseSeconds / 3)
        repeat {
            do {
                if queue == nil || queue?.db.isHealthy == false {
                    if let old = queue {
                        try old.db.reset()
                        local.reconnects += 1
                    } else {
                        let q = try JobQueue(url: config.databaseURL, settings: config.connection, logger: log)
                        try q.registerWorker(id: config.workerId, hostname: ProcessInfo.processInfo.hostName,
                                             pid: Int(ProcessInfo.processInfo.processIdentifier),
                                             concurrency: config.concurrency, modelVersion: processor.modelVersion)
                        queue = q
                    }
                }
                if let q = queue {
                    try q.heartbeat(workerId: config.workerId, jobIds: inFlightJobs(), leaseSeconds: config.leaseSeconds)
                    try q.reapExpiredLeases(retryPolicy: config.retryPolicy)
                }
            } catch {
                log.warning("heartbeat failed", metadata: ["error": "\(error)"])
                if !error.isTransient { recordFatal(error); stopSignal.stop() }
            }
        } while !loopsDone.wait(seconds: interval)
        if let q = queue { try? q.markWorkerStopped(id: config.workerId) }
        queue?.db.close()
    }

    // MARK: Connections

    /// Connects (retrying with backoff while the database is unreachable) and LISTENs.
    private func connect(log: Logger, listen: Bool) -> JobQueue? {
        var delay = 0.2
        while !stopSignal.isStopped {
            do {
                let queue = try JobQueue(url: configuration.databaseURL, settings: configuration.connection, logger: log)
                if listen { try queue.db.listen(JobQueue.channel) }
                return queue
            } catch {
                guard error.isConnectionProblem else { recordFatal(error); stopSignal.stop(); return nil }
                log.warning("cannot connect; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(delay)"])
                stopSignal.wait(seconds: delay)
                delay = min(delay * 2, 5)
            }
        }
        return nil
    }

    private func reconnect(_ queue: JobQueue, log: Logger, _ local: inout WorkerSummary) -> Bool {
        var delay = 0.2
        while !stopSignal.isStopped {
            do {
                try queue.db.reset()
                try queue.db.listen(JobQueue.channel)
                local.reconnects += 1
                log.info("reconnected")
                return true
            } catch {
                guard error.isConnectionProblem else { recordFatal(error); stopSignal.stop(); return false }
                log.warning("reconnect failed; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(delay)"])
                stopSignal.wait(seconds: delay)
                delay = min(delay * 2, 5)
            }
        }
        return false
    }

    /// Runs a database step, reconnecting through outages; nil when stopping or on a fatal error.
    private func withDatabase<T>(_ queue: JobQueue, log: Logger, _ local: inout WorkerSummary,
                                 _ body: () throws(PostgresError) -> T) -> T? {
        var delay = 0.2
        while !stopSignal.isStopped {
            do {
                return try body()
            } catch {
                guard error.isTransient else {
                    log.error("database error", metadata: ["error": "\(error)"])
                    recordFatal(error)
                    stopSignal.stop()
                    return nil
                }
                log.warning("database step failed; retrying", metadata: ["error": "\(error)"])
                if error.isConnectionProblem || !queue.db.isHealthy {
                    if !reconnect(queue, log: log, &local) { return nil }
                } else {
                    stopSignal.wait(seconds: delay)
                    delay = min(delay * 2, 5)
                }
            }
        }
        return nil
    }

    private func setInFlight(_ ids: [Int64], _ held: Bool) {
        lock.lock()
        if held { inFlight.formUnion(ids) } else { inFlight.subtract(ids) }
        lock.unlock()
    }

    private func inFlightJobs() -> [Int64] {
        lock.lock()
        defer { lock.unlock() }
        return inFlight.sorted()
    }

    private func recordFatal(_ error: PostgresError) {
        lock.lock()
        if fatalError == nil { fatalError = error }
        lock.unlock()
    }
}
