import JobQueue

/// The console's reads, each as the auditor. Submitted strings are cut to their limits (1 KiB
/// references, 2 KiB reasons and metadata) so old rows cannot swell a page.
extension JobQueue {
    func queueOverview() throws(PostgresError) -> QueueOverview {
        let oldest = try db.execute("""
            SELECT extract(epoch FROM now() - min(created_at))::float8 AS age FROM sigverify.jobs WHERE status = 'queued'
            """)
        return QueueOverview(status: try status(), oldestQueuedSeconds: try oldest.double(0, "age"),
                             lastHour: try lastHour(), failures: try recentFailures())
    }

    private func lastHour() throws(PostgresError) -> [MinuteCount] {
        let r = try db.execute("""
            SELECT m.i, count(j.id) FILTER (WHERE j.status = 'succeeded') AS succeeded,
                   count(j.id) FILTER (WHERE j.status = 'failed') AS failed
            FROM generate_series(0, 59) AS m(i)
            LEFT JOIN sigverify.jobs j ON j.status IN ('succeeded', 'failed')
                 AND j.finished_at >= date_trunc('minute', now()) - make_interval(mins => 59 - m.i)
                 AND j.finished_at < date_trunc('minute', now()) - make_interval(mins => 58 - m.i)
            GROUP BY m.i ORDER BY m.i
            """)
        return try (0..<r.count).map { (i) throws(PostgresError) in
            MinuteCount(succeeded: try r.int(i, "succeeded") ?? 0, failed: try r.int(i, "failed") ?? 0)
        }
    }

    private func recentFailures() throws(PostgresError) -> [JobFailure] {
        let r = try db.execute("""
            SELECT job_id, left(coalesce(external_ref, filename, ''), 1024) AS reference, attempts,
                   to_char(failed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS failed_at, left(coalesce(last_error, ''), 2048) AS reason
            FROM sigverify.recent_failures LIMIT 20
            """)
        return try (0..<r.count).map { (i) throws(PostgresError) in
            JobFailure(jobId: Int64(try r.int(i, "job_id") ?? 0), reference: try r.string(i, "reference") ?? "",
                       attempts: try r.int(i, "attempts") ?? 0, failedAt: try r.string(i, "failed_at") ?? "",
                       reason: try r.string(i, "reason") ?? "")
        }
    }

    /// One page of verdicts matching `filter`, newest job first, and how many match.
    func verdicts(_ filter: VerdictFilter, pageSize: Int) throws(PostgresError) -> VerdictPage {
        let condition = """
            FROM sigverify.verdicts v JOIN sigverify.jobs j ON j.id = v.job_id
            WHERE ($1::text IS NULL OR v.verdict = $1)
              AND ($2::text IS NULL OR ($2 = 'reconstruction' AND NOT v.reconstruction_passed)
                   OR ($2 = 'anomaly' AND NOT v.anomaly_passed) OR ($2 = 'classifier' AND NOT v.classifier_passed))
              AND ($3::text IS NULL OR v.model_version = $3)
              AND ($4::date IS NULL OR v.created_at >= ($4::date)::timestamp AT TIME ZONE 'UTC')
              AND ($5::date IS NULL OR v.created_at < ($5::date + 1)::timestamp AT TIME ZONE 'UTC')
              AND ($6::text IS NULL OR strpos(coalesce(j.external_ref, '') || ' ' || coalesce(j.filename, ''), $6) > 0)
            """
        let params: [PostgresValue?] = [filter.verdict.map(PostgresValue.text), filter.criterion.map(PostgresValue.text),
                                         filter.model.map(PostgresValue.text), filter.from.map(PostgresValue.text),
                                         filter.to.map(PostgresValue.text), filter.reference.map(PostgresValue.text)]
        let total = try db.execute("SELECT count(*) AS n " + condition, params)
        let r = try db.execute("""
            SELECT v.job_id, left(coalesce(j.external_ref, j.filename, ''), 1024) AS reference, v.verdict,
                   v.reconstruction_passed, v.anomaly_passed, v.classifier_passed, v.model_version,
                   to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_at
            \(condition)
            ORDER BY v.job_id DESC LIMIT $7 OFFSET $8
            """, params + [.int(pageSize), .int((filter.page - 1) * pageSize)])
        let rows = try (0..<r.count).map { (i) throws(PostgresError) in
            VerdictSummary(jobId: Int64(try r.int(i, "job_id") ?? 0), reference: try r.string(i, "reference") ?? "",
                           verdict: try r.string(i, "verdict") ?? "",
                           failing: zip(VerdictFilter.criteria, ["reconstruction_passed", "anomaly_passed", "classifier_passed"])
                               .filter { (try? r.bool(i, $0.1)) == false }.map(\.0),
                           modelVersion: try r.string(i, "model_version") ?? "", createdAt: try r.string(i, "created_at") ?? "")
        }
        return VerdictPage(rows: rows, total: try total.int(0, "n") ?? 0)
    }

    /// Job `id` with its verdict (if any), its events and the chain's head; nil when no such job.
    func verdictDetail(job id: Int64) throws(PostgresError) -> VerdictDetail? {
        guard let job = try jobFacts(id) else { return nil }
        return VerdictDetail(job: job, scores: try scores(id), events: try events(id), chainHead: try chainHead().seq)
    }

    private func jobFacts(_ id: Int64) throws(PostgresError) -> JobFacts? {
        let r = try db.execute("""
            SELECT id, status, left(filename, 1024) AS filename, left(external_ref, 1024) AS external_ref,
                   left(metadata::text, 2048) AS metadata, image_size, image IS NOT NULL AS has_scan, attempts,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_at, left(last_error, 2048) AS last_error
            FROM sigverify.jobs WHERE id = $1
            """, [.int(id)])
        guard r.count == 1 else { return nil }
        return JobFacts(id: id, status: try r.string(0, "status") ?? "", filename: try r.string(0, "filename"),
                        externalRef: try r.string(0, "external_ref"), metadata: try r.string(0, "metadata") ?? "{}",
                        imageSize: try r.int(0, "image_size"), hasScan: try r.bool(0, "has_scan") ?? false,
                        createdAt: try r.string(0, "created_at") ?? "", lastError: try r.string(0, "last_error"),
                        attempts: try r.int(0, "attempts") ?? 0)
    }

    private func scores(_ id: Int64) throws(PostgresError) -> VerdictScores? {
        let r = try db.execute("""
            SELECT verdict, model_version, preprocessing_profile, left(worker_id, 256) AS worker_id, chain_seq,
                   encode(chain_hash, 'hex') AS chain_hash, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_at,
                   reconstruction_error, reconstruction_threshold, reconstruction_passed, anomaly_score, anomaly_score_min,
                   anomaly_passed, classifier_confidence, classifier_confidence_min, classifier_passed
            FROM sigverify.verdicts WHERE job_id = $1
            """, [.int(id)])
        guard r.count == 1 else { return nil }
        let criteria = [("reconstruction", "reconstruction_error", "reconstruction_threshold", true),
                        ("anomaly", "anomaly_score", "anomaly_score_min", false),
                        ("classifier", "classifier_confidence", "classifier_confidence_min", false)]
        return VerdictScores(
            verdict: try r.string(0, "verdict") ?? "", modelVersion: try r.string(0, "model_version") ?? "",
            profile: try r.string(0, "preprocessing_profile") ?? "", worker: try r.string(0, "worker_id") ?? "",
            createdAt: try r.string(0, "created_at") ?? "",
            criteria: try criteria.map { (c) throws(PostgresError) in
                CriterionScore(name: c.0, value: try r.double(0, c.1) ?? 0, threshold: try r.double(0, c.2) ?? 0, passesBelow: c.3,
                               passed: try r.bool(0, c.0 + "_passed") ?? false)
            },
            chainSeq: try r.int(0, "chain_seq").map(Int64.init), chainHash: try r.string(0, "chain_hash"))
    }

    private func events(_ id: Int64) throws(PostgresError) -> [JobEvent] {
        let r = try db.execute("""
            SELECT from_status, to_status, attempt, left(worker_id, 256) AS worker_id, left(reason, 2048) AS reason, chain_seq,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS created_at
            FROM sigverify.job_events WHERE job_id = $1 ORDER BY id LIMIT 200
            """, [.int(id)])
        return try (0..<r.count).map { (i) throws(PostgresError) in
            JobEvent(from: try r.string(i, "from_status"), to: try r.string(i, "to_status") ?? "", attempt: try r.int(i, "attempt") ?? 0,
                     worker: try r.string(i, "worker_id"), reason: try r.string(i, "reason"),
                     createdAt: try r.string(i, "created_at") ?? "", chainSeq: try r.int(i, "chain_seq").map(Int64.init))
        }
    }

    /// The chain's last place and its hash, as stored (not verified).
    func chainHead() throws(PostgresError) -> ChainHead {
        let r = try db.execute("""
            SELECT h.chain_seq, encode(h.chain_hash, 'hex') AS hash FROM (
                (SELECT chain_seq, chain_hash FROM sigverify.verdicts WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1)
                UNION ALL
                (SELECT chain_seq, chain_hash FROM sigverify.job_events WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1)
            ) h ORDER BY h.chain_seq DESC LIMIT 1
            """)
        guard r.count == 1 else { return ChainHead(seq: 0, hashHex: nil) }
        return ChainHead(seq: Int64(try r.int(0, "chain_seq") ?? 0), hashHex: try r.string(0, "hash"))
    }

    /// The network input PNG of job `id`'s verdict, if at most `maxBytes`.
    func networkInput(job id: Int64, maxBytes: Int) throws(PostgresError) -> [UInt8]? {
        let r = try db.executeBinary("""
            SELECT preprocessed_png AS png FROM sigverify.verdicts WHERE job_id = $1 AND octet_length(preprocessed_png) <= $2
            """, [.int(id), .int(maxBytes)])
        return r.count == 1 ? try r.bytes(0, "png") : nil
    }

    /// Job `id`'s scan bytes and page, while kept and if at most `maxBytes`.
    func scanBytes(job id: Int64, maxBytes: Int) throws(PostgresError) -> (bytes: [UInt8], page: Int)? {
        let r = try db.executeBinary("""
            SELECT image, page::int8 AS page FROM sigverify.jobs WHERE id = $1 AND image IS NOT NULL AND octet_length(image) <= $2
            """, [.int(id), .int(maxBytes)])
        guard r.count == 1, let bytes = try r.bytes(0, "image") else { return nil }
        return (bytes, Int(try r.int64(0, "page") ?? 0))
    }
}
