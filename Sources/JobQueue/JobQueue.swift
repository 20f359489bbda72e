import Foundation
import Logging

/// The queue's operations on `sigverify.jobs`, each one statement or one transaction. One
/// instance owns one connection and is used by one thread at a time; a worker process makes one
/// per claim loop plus one for its heartbeat.
public final class JobQueue {
    /// The channel `sigverify.jobs` inserts notify.
    public static let channel = "sigverify_jobs"
    /// The largest scan claimed by default, in bytes: `sigverify.max_scan_bytes()` of migration 0005.
    public static let defaultMaxScanBytes = 64 << 20

    public let db: PostgresConnection
    public var logger: Logger
    private var generator = SystemRandomNumberGenerator()

    public init(connection: PostgresConnection, logger: Logger = Logger(label: "sigverify.queue")) {
        self.db = connection
        self.logger = logger
    }

    public convenience init(url: String, settings: ConnectionSettings = ConnectionSettings(),
                            logger: Logger = Logger(label: "sigverify.queue")) throws(PostgresError) {
        self.init(connection: try PostgresConnection(url: url, settings: settings), logger: logger)
    }

    // MARK: Claim, lease, finish

    /// Writes the batch's outcomes in one transaction: verdict rows and `succeeded` for successes,
    /// `failed` for permanent failures and exhausted retries, `queued` with a backed-off
    /// `run_after` for transient ones. A row is written only if the job is still `running` under
    /// this worker's lease for the same attempt, so a verdict can never be written twice, and
    /// running `finish` again after a lost connection is harmless. When the server refuses the
    /// batch for one job's data (e.g. that job already has a verdict), the jobs are written one by
    /// one and the refused job fails alone with the server's reason (see `finishOneByOne`).
    public func finish(_ results: [JobResult], workerId: String, retryPolicy: RetryPolicy = RetryPolicy()) throws(PostgresError) -> FinishSummary {
        guard !results.isEmpty else { return FinishSummary() }
        var summary: FinishSummary
        do {
            summary = try write(results, workerId: workerId, retryPolicy: retryPolicy)
        } catch where error.concernsOneRow {
            logger.warning("batch refused for one job's data; writing its jobs one by one",
                           metadata: ["worker": "\(workerId)", "error": "\(error)"])
            summary = try finishOneByOne(results, workerId: workerId, retryPolicy: retryPolicy)
        }
        let written = Set(summary.succeeded + summary.retried + summary.failed)
        summary.lostLease = results.map(\.job.id).filter { !written.contains($0) }.sorted()
        for id in summary.lostLease {
            logger.warning("lease lost before finishing; result discarded", metadata: ["job": "\(id)", "worker": "\(workerId)"])
        }
        return summary
    }

    /// Writes `results` in one transaction (see `finish`) — a batch of successes only in one
    /// statement; `lostLease` is left empty.
    func write(_ results: [JobResult], workerId: String, retryPolicy: RetryPolicy) throws(PostgresError) -> FinishSummary {
        var summary = FinishSummary()
        let successes = results.compactMap { r -> (ClaimedJob, VerdictRecord)? in
            if case .success(let v) = r.outcome { return (r.job, v) }
            return nil
        }
        let failures = results.compactMap { r -> (ClaimedJob, ScanFailure)? in
            if case .failure(let f) = r.outcome { return (r.job, f) }
            return nil
        }
        // Embeddings the batch's matches computed (migration 0012), cached with its verdicts.
        let embeddings = Self.newEmbeddings(successes.map(\.1))
        if failures.isEmpty, embeddings.isEmpty {
            // One statement, its own transaction: record_verdicts locks the rows in id order itself.
            summary.succeeded = try writeVerdicts(successes, workerId: workerId, db)
            return summary
        }
        try db.transaction { (tx: PostgresConnection) throws(PostgresError) in
            try lockInOrder(results.map(\.job.id), workerId: workerId, tx)
            for (version, computed) in embeddings.sorted(by: { $0.key < $1.key }) {
                try cacheEmbeddings(computed, modelVersion: version, workerId: workerId, tx)
            }
            if !successes.isEmpty { summary.succeeded = try writeVerdicts(successes, workerId: workerId, tx) }
            if !failures.isEmpty {
                let (retried, failed) = try writeFailures(failures, workerId: workerId, retryPolicy: retryPolicy, tx)
                summary.retried = retried
                summary.failed = failed
            }
        }
        return summary
    }

    /// The lock order every writer of job rows follows (issue 19): a transaction locks the job
    /// rows it will wait for in ascending id order, first; the audit chain's lock comes last, at
    /// commit, held only to append the transaction's one link (migration 0011). Writing verdicts
    /// (job order) and then failures (join order) used to lock a batch's rows in an order of its
    /// own, and the heartbeat's lease renewal in another, so the two could deadlock (40P01). Rows
    /// no longer leased to this worker are not locked (they are not written either).
    private func lockInOrder(_ ids: [Int64], workerId: String, _ tx: PostgresConnection) throws(PostgresError) {
        try tx.execute("""
            SELECT id FROM sigverify.jobs
            WHERE id = ANY($1::bigint[]) AND status = 'running' AND lease_owner = $2
            ORDER BY id FOR UPDATE
            """, [.text("{" + ids.sorted().map(String.init).joined(separator: ",") + "}"), .text(workerId)])
    }

    /// The batch's verdicts through `sigverify.record_verdicts` (migration 0011), one statement:
    /// it writes them (with the scans' SHA-256 and, since 0012, the match columns) with one INSERT
    /// and marks their jobs `succeeded` with one UPDATE, only for jobs this worker still leases for
    /// that attempt.
    private func writeVerdicts(_ items: [(ClaimedJob, VerdictRecord)], workerId: String, _ tx: PostgresConnection) throws(PostgresError) -> [Int64] {
        let types = ["bigint", "int", "text", "text", "float8", "float8", "float8", "float8", "float8", "float8",
                     "bool", "bool", "bool", "text", "float8", "float8", "float8", "bytea",
                     "float8", "bool", "float8", "text", "bigint[]", "text"]
        var params: [PostgresValue?] = [.text(workerId)]
        var rows: [String] = []
        for (job, v) in items {
            rows.append("ROW" + Self.placeholders(types, after: params.count) + "::sigverify.verdict_input")
            params += [.int(job.id), .int(job.attempt), .text(v.modelVersion), .text(v.preprocessingProfile),
                       .double(v.reconstructionError), .double(v.anomalyScore), .double(v.classifierConfidence),
                       .double(v.reconstructionThreshold), .double(v.anomalyScoreMin), .double(v.classifierConfidenceMin),
                       .bool(v.reconstructionPassed), .bool(v.anomalyPassed), .bool(v.classifierPassed), .text(v.verdict),
                       .double(v.timings.decodeMs), .double(v.timings.preprocessMs), .double(v.timings.verifyMs),
                       .bytea(v.preprocessedPNG)] + Self.matchParameters(v.match)
        }
        let result = try tx.execute("""
            SELECT job_id FROM sigverify.record_verdicts($1, ARRAY[\(rows.joined(separator: ", "))]) AS job_id
            """, params)
        var ids: [Int64] = []
        for r in 0..<result.count { if let id = try result.int(r, "job_id") { ids.append(Int64(id)) } }
        for id in ids { logger.info("verdict recorded", metadata: ["job": "\(id)", "worker": "\(workerId)"]) }
        return ids.sorted()
    }

    private func writeFailures(_ items: [(ClaimedJob, ScanFailure)], workerId: String, retryPolicy: RetryPolicy,
                               _ tx: PostgresConnection) throws(PostgresError) -> (retried: [Int64], failed: [Int64]) {
        var params: [PostgresValue?] = [.text(workerId)]
        var values: [String] = []
        for (row, (job, failure)) in items.enumerated() {
            let b = 1 + row * 5
            values.append("($\(b + 1)::bigint, $\(b + 2)::int, $\(b + 3)::bool, $\(b + 4)::text, $\(b + 5)::float8)")
            params += [.int(job.id), .int(job.attempt), .bool(failure.isPermanent), .text(failure.reason),
                       .double(retryPolicy.delay(afterAttempt: job.attempt, using: &generator))]
        }
        let result = try tx.execute("""
            UPDATE sigverify.jobs j
            SET status = CASE WHEN f.permanent OR j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
                run_after = CASE WHEN f.permanent OR j.attempts >= j.max_attempts THEN j.run_after
                                 ELSE now() + make_interval(secs => f.delay) END,
                last_error = CASE WHEN f.permanent THEN f.reason
                                  WHEN j.attempts >= j.max_attempts THEN 'gave up after ' || j.attempts || ' attempts: ' || f.reason
                                  ELSE 'attempt ' || j.attempts || ' failed, retrying: ' || f.reason END,
                lease_owner = NULL, lease_expires_at = NULL
            FROM (VALUES \(values.joined(separator: ", "))) AS f (id, attempt, permanent, reason, delay)
            WHERE j.id = f.id AND j.status = 'running' AND j.lease_owner = $1 AND j.attempts = f.attempt
            RETURNING j.id, j.status, j.last_error
            """, params)
        var retried: [Int64] = [], failed: [Int64] = []
        for r in 0..<result.count {
            guard let id = try result.int(r, "id").map(Int64.init) else { continue }
            let status = try result.string(r, "status")
            let error = try result.string(r, "last_error") ?? ""
            if status == "failed" {
                failed.append(id)
                logger.warning("job failed", metadata: ["job": "\(id)", "worker": "\(workerId)", "error": "\(error)"])
            } else {
                retried.append(id)
                logger.info("job will retry", metadata: ["job": "\(id)", "worker": "\(workerId)", "error": "\(error)"])
            }
        }
        return (retried.sorted(), failed.sorted())
    }

    /// Returns jobs whose lease expired (their worker died or hung) to the queue, or fails them
    /// when they have used all attempts — a scan that kills its worker cannot loop forever. A
    /// requeued job waits out `retryPolicy`'s backoff for its attempt (jittered in SQL), as a
    /// transient failure does: a scan that crashes workers does not take down the next one at once,
    /// and a batch lost together is not retried in lockstep.
    @discardableResult
    public func reapExpiredLeases(retryPolicy: RetryPolicy = RetryPolicy()) throws(PostgresError) -> (requeued: [Int64], failed: [Int64]) {
        let result = try db.execute("""
            UPDATE sigverify.jobs j
            SET status = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
                last_error = 'lease of ' || j.lease_owner || ' expired during attempt ' || j.attempts
                             || CASE WHEN j.attempts >= j.max_attempts THEN ' (no attempts left)' ELSE '' END,
                run_after = now() + make_interval(secs =>
                    least($2::float8, $1::float8 * power(2, greatest(0, least(j.attempts - 1, 62))))
                    * (0.5 + 0.5 * random())),
                lease_owner = NULL, lease_expires_at = NULL
            WHERE j.id IN (
                SELECT id FROM sigverify.jobs
                WHERE status = 'running' AND lease_expires_at < now()
                FOR UPDATE SKIP LOCKED)
            RETURNING j.id, j.status
            """, [.double(retryPolicy.baseDelay), .double(retryPolicy.maxDelay)])
        var requeued: [Int64] = [], failed: [Int64] = []
        for r in 0..<result.count {
            guard let id = try result.int(r, "id").map(Int64.init) else { continue }
            if try result.string(r, "status") == "failed" { failed.append(id) } else { requeued.append(id) }
        }
        if !requeued.isEmpty {
            // Idle workers would find these at their next poll; wake them now.
            try db.execute("SELECT pg_notify($1, 'requeued')", [.text(JobQueue.channel)])
        }
        if !requeued.isEmpty || !failed.isEmpty {
            logger.warning("reaped expired leases", metadata: ["requeued": "\(requeued.sorted())", "failed": "\(failed.sorted())"])
        }
        return (requeued.sorted(), failed.sorted())
    }

    // MARK: Operations

    /// Cancels a queued job (via `sigverify.cancel_job`); false if it was not queued.
    @discardableResult
    public func cancel(jobId: Int64, reason: String = "cancelled") throws(PostgresError) -> Bool {
        try db.execute("SELECT sigverify.cancel_job($1, $2) AS cancelled", [.int(jobId), .text(reason)]).bool(0, "cancelled") ?? false
    }

    /// Drops the scan bytes of jobs that finished more than `olderThanSeconds` ago; verdicts
    /// (with their preprocessed PNG), events, digests and sizes stay. Returns how many were pruned.
    @discardableResult
    public func prune(olderThanSeconds: Double) throws(PostgresError) -> Int {
        try db.execute("""
            UPDATE sigverify.jobs SET image = NULL, image_pruned_at = now()
            WHERE status IN ('succeeded', 'failed', 'cancelled') AND image IS NOT NULL
              AND finished_at < now() - make_interval(secs => $1::float8)
            """, [.double(olderThanSeconds)]).affectedRows
    }

    // MARK: Workers

    /// Records (or refreshes) this worker process in `sigverify.workers`.
    public func registerWorker(id: String, hostname: String, pid: Int, concurrency: Int, modelVersion: String?) throws(PostgresError) {
        try db.execute("""
            INSERT INTO sigverify.workers (worker_id, hostname, pid, concurrency, model_version)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (worker_id) DO UPDATE SET last_heartbeat_at = now(), stopped_at = NULL
            """, [.text(id), .text(hostname), .int(pid), .int(concurrency), modelVersion.map(PostgresValue.text)])
    }

    /// The heartbeat: records that the worker is alive and extends the leases of the jobs it is
    /// actually working on, in one statement. Only the listed jobs are extended, so a claim whose
    /// reply was lost (connection broke mid-claim) is never kept alive and gets reaped.
    /// Returns how many leases were extended.
    @discardableResult
    public func heartbeat(workerId: String, jobIds: [Int64], leaseSeconds: Double) throws(PostgresError) -> Int {
        let ids = "{" + jobIds.map(String.init).joined(separator: ",") + "}"
        // Rows locked in id order first, like every writer of job rows (see `lockInOrder`).
        return try db.execute("""
            WITH w AS (UPDATE sigverify.workers SET last_heartbeat_at = now() WHERE worker_id = $1),
            locked AS (
                SELECT id FROM sigverify.jobs
                WHERE status = 'running' AND lease_owner = $1 AND id = ANY($3::bigint[])
                ORDER BY id FOR NO KEY UPDATE)
            UPDATE sigverify.jobs j SET lease_expires_at = now() + make_interval(secs => $2::float8)
            FROM locked
            WHERE j.id = locked.id AND j.status = 'running' AND j.lease_owner = $1
            """, [.text(workerId), .double(leaseSeconds), .text(ids)]).affectedRows
    }

    public func markWorkerStopped(id: String) throws(PostgresError) {
        try db.execute("UPDATE sigverify.workers SET stopped_at = now(), last_heartbeat_at = now() WHERE worker_id = $1", [.text(id)])
    }
}
