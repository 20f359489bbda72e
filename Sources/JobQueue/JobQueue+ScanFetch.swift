import Logging

extension JobQueue {
    /// Scan bytes a batch holds at most by default: with the worker's default pixel budget a loop
    /// stays well under 1 GB (see the README's memory table). One job is always claimed, whatever
    /// its size (up to `maxScanBytes`).
    public static let defaultBatchBytes = 128 << 20

    /// Claims up to `batchSize` runnable jobs in one round trip — fewer when their scans add up to
    /// more than `batchBytes` (in queue order, always at least one; scans over `maxScanBytes` count
    /// nothing, they are never fetched) — leasing them to `workerId` for `leaseSeconds` and counting
    /// the attempt, then fetches their scans in binary (see `fetchImages`): a scan over
    /// `maxScanBytes` is never fetched and its job carries the reason. The submitter's strings come
    /// back cut to their limits of migration 0010 (1024 characters, content_type 255), so a row
    /// stored before those limits cannot make a claim return megabytes; metadata is not returned.
    /// With a `writerModelVersion`, the active references of the batch's subjects come too (one
    /// query, their embeddings cached for that version or else their bytes; migration 0012).
    public func claim(batchSize: Int, batchBytes: Int = JobQueue.defaultBatchBytes, leaseSeconds: Double, workerId: String,
                      maxScanBytes: Int = JobQueue.defaultMaxScanBytes,
                      writerModelVersion: String? = nil) throws(PostgresError) -> [ClaimedJob] {
        let result = try db.execute("""
            WITH candidates AS (
                SELECT id, priority, coalesce(octet_length(image), 0) AS bytes FROM sigverify.jobs
                WHERE status = 'queued' AND run_after <= now()
                ORDER BY priority, id
                LIMIT $3
                FOR UPDATE SKIP LOCKED),
            within_budget AS (
                SELECT id FROM (
                    SELECT id, row_number() OVER w AS n,
                           sum(CASE WHEN bytes > $5 THEN 0 ELSE bytes END) OVER w AS running_bytes
                    FROM candidates WINDOW w AS (ORDER BY priority, id)) c
                WHERE n = 1 OR running_bytes <= $4)
            UPDATE sigverify.jobs j
            SET status = 'running', attempts = j.attempts + 1, lease_owner = $1,
                lease_expires_at = now() + make_interval(secs => $2::float8),
                started_at = coalesce(j.started_at, now())
            WHERE j.id IN (SELECT id FROM within_budget)
            RETURNING j.id, j.attempts, j.max_attempts, octet_length(j.image) AS image_bytes,
                      left(j.filename, 1024) AS filename, left(j.content_type, 255) AS content_type,
                      left(j.external_ref, 1024) AS external_ref, j.page, j.subject
            """, [.text(workerId), .double(leaseSeconds), .int(batchSize), .int(batchBytes), .int(maxScanBytes)])
        var jobs: [ClaimedJob] = []
        var sizes: [Int64: Int] = [:]
        jobs.reserveCapacity(result.count)
        for r in 0..<result.count {
            guard let id = try result.int(r, "id"), let attempt = try result.int(r, "attempts"),
                  let maxAttempts = try result.int(r, "max_attempts") else {
                throw PostgresError(kind: .unexpectedResult, message: "claim returned NULL id/attempts")
            }
            sizes[Int64(id)] = try result.int(r, "image_bytes")
            jobs.append(ClaimedJob(id: Int64(id), attempt: attempt, maxAttempts: maxAttempts,
                                   image: nil, filename: try result.string(r, "filename"),
                                   contentType: try result.string(r, "content_type"),
                                   externalRef: try result.string(r, "external_ref"),
                                   page: try result.int(r, "page") ?? 0, subject: try result.string(r, "subject")))
        }
        jobs.sort { $0.id < $1.id }
        if !jobs.isEmpty {
            logger.debug("claimed", metadata: ["worker": "\(workerId)", "jobs": "\(jobs.map(\.id))"])
        }
        try fetchImages(&jobs, sizes: sizes, maxScanBytes: maxScanBytes, workerId: workerId)
        try attachReferences(&jobs, writerModelVersion: writerModelVersion)
        return jobs
    }

    /// Scan bytes fetched per statement at most (one larger scan is fetched alone).
    public static let fetchBatchBytes = 64 << 20

    /// Fills in the claimed jobs' scans, in binary, in statements of at most `fetchBatchBytes` —
    /// so no one scan can fail the fetch of the others. A scan over `maxScanBytes` is not fetched at
    /// all (its job gets `ScanFailure.tooLarge`), and a scan the server cannot return fails its own
    /// job. Only connection trouble is thrown. `sizes` are the jobs' `octet_length(image)` (nil: no
    /// bytes, e.g. pruned).
    func fetchImages(_ jobs: inout [ClaimedJob], sizes: [Int64: Int], maxScanBytes: Int,
                     workerId: String) throws(PostgresError) {
        var wanted: [(index: Int, size: Int)] = []
        for (index, job) in jobs.enumerated() {
            guard let size = sizes[job.id] else { continue }
            if size > maxScanBytes {
                jobs[index].imageFailure = .tooLarge(bytes: size, limit: maxScanBytes)
            } else {
                wanted.append((index, size))
            }
        }
        for group in Self.fetchGroups(wanted) {
            do {
                try fetch(group, into: &jobs, workerId: workerId)
            } catch {
                guard !error.isConnectionProblem else { throw error }
                try fetchOneByOne(group, into: &jobs, workerId: workerId)
            }
        }
    }

    /// Consecutive runs of jobs whose sizes add up to at most `fetchBatchBytes` (at least one each).
    static func fetchGroups(_ wanted: [(index: Int, size: Int)]) -> [[Int]] {
        var groups: [[Int]] = []
        var current: [Int] = [], bytes = 0
        for item in wanted {
            if !current.isEmpty, bytes + item.size > fetchBatchBytes {
                groups.append(current)
                (current, bytes) = ([], 0)
            }
            current.append(item.index)
            bytes += item.size
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// After a group's fetch failed: each job alone, so the failure lands on the scan that caused it.
    private func fetchOneByOne(_ group: [Int], into jobs: inout [ClaimedJob], workerId: String) throws(PostgresError) {
        for index in group {
            do {
                try fetch([index], into: &jobs, workerId: workerId)
            } catch {
                guard !error.isConnectionProblem else { throw error }
                let reason = "cannot fetch the scan's bytes: \(error)"
                jobs[index].imageFailure = error.isTransient ? .transient(reason) : .permanent(reason)
                logger.warning("scan fetch failed", metadata: ["job": "\(jobs[index].id)", "error": "\(error)"])
            }
        }
    }

    /// One binary SELECT for the jobs at `indices`, still leased to `workerId`.
    private func fetch(_ indices: [Int], into jobs: inout [ClaimedJob], workerId: String) throws(PostgresError) {
        let ids = "{" + indices.map { String(jobs[$0].id) }.joined(separator: ",") + "}"
        let result = try db.executeBinary("""
            SELECT id, image FROM sigverify.jobs
            WHERE id = ANY($1::bigint[]) AND status = 'running' AND lease_owner = $2
            """, [.text(ids), .text(workerId)])
        var images: [Int64: [UInt8]] = [:]
        for r in 0..<result.count {
            if let id = try result.int64(r, "id") { images[id] = try result.bytes(r, "image") }
        }
        for index in indices { jobs[index].image = images[jobs[index].id] }
    }
}
