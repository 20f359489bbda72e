import Logging

extension JobQueue {
    /// Claims up to `batchSize` runnable jobs — fewer when their scans add up to more than
    /// `batchBytes` (in queue order, always at least one; scans over `maxScanBytes` count nothing,
    /// they are never fetched) — leasing them to `workerId` for `leaseSeconds` and counting the
    /// attempt, and returns them with their scans, in one round trip (issue 24): the claim's own
    /// statement returns the bytes, in binary, of the scans that fit `fetchBatchBytes` in queue
    /// order; any others are fetched after it (see `fetchImages`). A scan over `maxScanBytes` is
    /// never fetched and its job carries the reason. Should the claim fail for a scan's bytes (one
    /// the server cannot read), it is repeated without them and the scans are fetched one
    /// statement at a time, so the failure lands on that scan's job alone. The submitter's strings
    /// come back cut to their limits of migration 0010 (1024 characters, content_type 255), so a
    /// row stored before those limits cannot make a claim return megabytes; metadata is not returned.
    /// With a `writerModelVersion`, the active references of the batch's subjects come too (one
    /// query, their embeddings cached for that version or else their bytes; migration 0012).
    public func claim(batchSize: Int, batchBytes: Int = JobQueue.defaultBatchBytes, leaseSeconds: Double, workerId: String,
                      maxScanBytes: Int = JobQueue.defaultMaxScanBytes,
                      writerModelVersion: String? = nil) throws(PostgresError) -> [ClaimedJob] {
        let limits = ClaimLimits(batchSize: batchSize, batchBytes: batchBytes, leaseSeconds: leaseSeconds, maxScanBytes: maxScanBytes)
        var claimed: ClaimedRows
        do {
            claimed = try claimRows(limits, workerId: workerId, withScans: true)
        } catch where !error.isConnectionProblem {
            logger.warning("claim with scans failed; claiming without them", metadata: ["worker": "\(workerId)", "error": "\(error)"])
            claimed = try claimRows(limits, workerId: workerId, withScans: false)
        }
        if !claimed.jobs.isEmpty {
            logger.debug("claimed", metadata: ["worker": "\(workerId)", "jobs": "\(claimed.jobs.map(\.id))"])
        }
        try fetchImages(&claimed.jobs, sizes: claimed.unfetched, maxScanBytes: maxScanBytes, workerId: workerId)
        try attachReferences(&claimed.jobs, writerModelVersion: writerModelVersion)
        return claimed.jobs
    }

    struct ClaimLimits {
        var batchSize: Int, batchBytes: Int, leaseSeconds: Double, maxScanBytes: Int
    }

    /// Claimed jobs in id order, and the sizes of the scans still to fetch (nil: no bytes at all).
    struct ClaimedRows {
        var jobs: [ClaimedJob] = []
        var unfetched: [Int64: Int] = [:]
    }

    /// The claim's one statement, `sigverify.claim_jobs` of migration 0014 (binary results); with
    /// `withScans`, the bytes of the scans within `maxScanBytes` whose running total in queue order
    /// stays within `fetchBatchBytes` come back too.
    private func claimRows(_ limits: ClaimLimits, workerId: String, withScans: Bool) throws(PostgresError) -> ClaimedRows {
        let result = try db.executeBinary("""
            SELECT * FROM sigverify.claim_jobs($1, $2::float8, $3::int, $4::bigint, $5::bigint, $6::bool, $7::bigint)
            """, [.text(workerId), .double(limits.leaseSeconds), .int(limits.batchSize), .int(limits.batchBytes),
                  .int(limits.maxScanBytes), .bool(withScans), .int(Self.fetchBatchBytes)])
        var claimed = ClaimedRows()
        claimed.jobs.reserveCapacity(result.count)
        for r in 0..<result.count {
            let job = try claimedJob(result, r)
            claimed.jobs.append(job)
            if job.image == nil, let size = try result.int64(r, "image_bytes") { claimed.unfetched[job.id] = Int(size) }
        }
        claimed.jobs.sort { $0.id < $1.id }
        return claimed
    }

    private func claimedJob(_ result: BinaryQueryResult, _ r: Int) throws(PostgresError) -> ClaimedJob {
        guard let id = try result.int64(r, "id"), let attempt = try result.int64(r, "attempts"),
              let maxAttempts = try result.int64(r, "max_attempts") else {
            throw PostgresError(kind: .unexpectedResult, message: "claim returned NULL id/attempts")
        }
        return ClaimedJob(id: id, attempt: Int(attempt), maxAttempts: Int(maxAttempts), image: try result.bytes(r, "image"),
                          filename: try result.string(r, "filename"), contentType: try result.string(r, "content_type"),
                          externalRef: try result.string(r, "external_ref"), page: Int(try result.int64(r, "page") ?? 0),
                          subject: try result.string(r, "subject"))
    }
}
