import JobQueue

extension TestDatabase {
    /// Claims as `JobQueue.claim` does at the code's schema; at a schema older than 0014 (a test
    /// that writes rows the way an earlier version did, then migrates), where the claim's
    /// function `sigverify.claim_jobs` does not exist yet, leases up to `batchSize` queued jobs in
    /// one UPDATE as the test's superuser instead — the same row changes — with the active
    /// references of their subjects when `writerModelVersion` is given.
    public func claim(_ queue: JobQueue, batchSize: Int, workerId: String,
                      writerModelVersion: String? = nil) throws -> [ClaimedJob] {
        guard try scalar("SELECT coalesce(max(version), 0) FROM sigverify.schema_migrations") < 14 else {
            return try queue.claim(batchSize: batchSize, leaseSeconds: 30, workerId: workerId, writerModelVersion: writerModelVersion)
        }
        let r = try connect().execute("""
            UPDATE sigverify.jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1,
                lease_expires_at = now() + interval '30 seconds', started_at = coalesce(started_at, now())
            WHERE id IN (SELECT id FROM sigverify.jobs WHERE status = 'queued' ORDER BY priority, id LIMIT $2)
            RETURNING id, attempts, max_attempts, image, subject
            """, [.text(workerId), .int(batchSize)])
        var jobs = try (0..<r.count).map { i in
            ClaimedJob(id: Int64(try r.int(i, "id") ?? 0), attempt: try r.int(i, "attempts") ?? 0,
                       maxAttempts: try r.int(i, "max_attempts") ?? 0, image: try r.bytes(i, "image"),
                       subject: try r.string(i, "subject"))
        }.sorted { $0.id < $1.id }
        try queue.attachReferences(&jobs, writerModelVersion: writerModelVersion)
        return jobs
    }
}
