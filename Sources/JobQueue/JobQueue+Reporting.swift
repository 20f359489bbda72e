/// What `sigverify status` and `sigverify report` show, as data (the CLI renders the tables).
extension JobQueue {
    /// A worker is `lost` once its heartbeat is this old: 3 × the default 30 s lease (a live
    /// worker beats every third of its lease, so it has missed about nine).
    public static let workerLostAfterSeconds = 90.0

    /// Queue depth, recent throughput and the workers seen in the last hour; a worker without a
    /// heartbeat for `lostAfterSeconds` that never stopped is `lost`.
    public func status(lostAfterSeconds: Double = JobQueue.workerLostAfterSeconds) throws(PostgresError) -> QueueStatus {
        QueueStatus(depth: try queueDepth(), throughput: try throughput(), workers: try workers(lostAfterSeconds: lostAfterSeconds))
    }

    private func queueDepth() throws(PostgresError) -> [QueueDepthRow] {
        let r = try db.execute("SELECT status, jobs, waiting_for_retry, oldest_created_at FROM sigverify.queue_depth")
        return try (0..<r.count).map { (i) throws(PostgresError) in
            QueueDepthRow(status: try r.required(i, "status"), jobs: try r.required(i, "jobs"),
                          waitingForRetry: try r.required(i, "waiting_for_retry"), oldestCreatedAt: try r.string(i, "oldest_created_at"))
        }
    }

    private func throughput() throws(PostgresError) -> [ThroughputRow] {
        let r = try db.execute("""
            SELECT w.label AS window,
                   count(*) FILTER (WHERE j.status = 'succeeded') AS succeeded,
                   count(*) FILTER (WHERE j.status = 'failed') AS failed,
                   round(count(j.id) / w.minutes, 1) AS per_minute
            FROM (VALUES ('last 1 min', 1.0), ('last 5 min', 5.0), ('last 15 min', 15.0)) AS w(label, minutes)
            LEFT JOIN sigverify.jobs j ON j.status IN ('succeeded', 'failed')
                 AND j.finished_at >= now() - make_interval(mins => w.minutes::int)
            GROUP BY w.label, w.minutes ORDER BY w.minutes
            """)
        return try (0..<r.count).map { (i) throws(PostgresError) in
            ThroughputRow(window: try r.required(i, "window"), succeeded: try r.required(i, "succeeded"),
                          failed: try r.required(i, "failed"), perMinute: try r.required(i, "per_minute"))
        }
    }

    private func workers(lostAfterSeconds: Double) throws(PostgresError) -> [WorkerRow] {
        let r = try db.execute("""
            SELECT w.worker_id, w.hostname, w.pid, w.concurrency, w.model_version,
                   round(extract(epoch FROM now() - w.last_heartbeat_at)::numeric, 1) AS heartbeat_age_s,
                   CASE WHEN w.stopped_at IS NOT NULL THEN 'stopped'
                        WHEN w.last_heartbeat_at < now() - make_interval(secs => $1::float8) THEN 'lost'
                        ELSE 'running' END AS state,
                   (SELECT count(*) FROM sigverify.jobs j WHERE j.status = 'running' AND j.lease_owner = w.worker_id) AS leased_jobs
            FROM sigverify.workers w
            WHERE w.last_heartbeat_at >= now() - interval '1 hour'
            ORDER BY w.last_heartbeat_at DESC
            """, [.double(lostAfterSeconds)])
        return try (0..<r.count).map { (i) throws(PostgresError) in
            WorkerRow(workerId: try r.required(i, "worker_id"), hostname: try r.required(i, "hostname"),
                      pid: try r.required(i, "pid"), concurrency: try r.required(i, "concurrency"),
                      modelVersion: try r.string(i, "model_version"), heartbeatAgeSeconds: try r.required(i, "heartbeat_age_s"),
                      state: try r.required(i, "state"), leasedJobs: try r.required(i, "leased_jobs"))
        }
    }

    /// The reporting views for `sigverify report`, each a titled result. Submitted strings are cut
    /// to their limits (migration 0010): rows stored before the limits cannot swell the report.
    public func reportTables() throws(PostgresError) -> [(title: String, table: QueryResult)] {
        try verdictTables() + matchTables()
    }

    private func verdictTables() throws(PostgresError) -> [(title: String, table: QueryResult)] {
        [
            ("Latest verdicts (sigverify.recent_verdicts)",
             try db.execute("""
                SELECT job_id, left(coalesce(external_ref, filename), 1024) AS scan, verdict,
                       round(reconstruction_error::numeric, 5) || CASE WHEN reconstruction_passed THEN ' pass' ELSE ' FAIL' END AS reconstruction,
                       round(anomaly_score::numeric, 4) || CASE WHEN anomaly_passed THEN ' pass' ELSE ' FAIL' END AS anomaly,
                       round(classifier_confidence::numeric, 4) || CASE WHEN classifier_passed THEN ' pass' ELSE ' FAIL' END AS classifier,
                       preprocessing_profile AS profile
                FROM sigverify.recent_verdicts ORDER BY job_id DESC LIMIT 50
                """)),
            ("Verdicts per day and model version (sigverify.daily_verdicts)",
             try db.execute("SELECT * FROM sigverify.daily_verdicts ORDER BY day DESC, model_version")),
            ("Criterion failures (sigverify.criterion_failures)",
             try db.execute("SELECT * FROM sigverify.criterion_failures ORDER BY model_version, criterion")),
            ("Queue depth (sigverify.queue_depth)", try db.execute("SELECT * FROM sigverify.queue_depth")),
            ("Enqueue → verdict latency (sigverify.latency_percentiles)",
             try db.execute("SELECT * FROM sigverify.latency_percentiles ORDER BY day DESC, model_version")),
            ("Recent failures (sigverify.recent_failures)",
             try db.execute("""
                SELECT job_id, left(external_ref, 1024) AS external_ref, left(filename, 1024) AS filename, attempts,
                       failed_at, left(last_error, 2048) AS last_error
                FROM sigverify.recent_failures LIMIT 20
                """)),
        ]
    }

    /// The writer-match views of migration 0012 (none on an older schema).
    private func matchTables() throws(PostgresError) -> [(title: String, table: QueryResult)] {
        guard try db.execute("SELECT to_regclass('sigverify.subject_matches') IS NOT NULL AS present").bool(0, "present") == true else {
            return []
        }
        return [
            ("Writer matches per subject (sigverify.subject_matches)",
             try db.execute("SELECT left(subject, 1024) AS subject, verdicts, matched, match_passed, match_rate, near_threshold, unmatched FROM sigverify.subject_matches ORDER BY subject LIMIT 200")),
            ("Writer matches per day and writer model (sigverify.daily_matches)",
             try db.execute("SELECT * FROM sigverify.daily_matches ORDER BY day DESC, match_model_version")),
            ("Reference signatures (sigverify.reference_status)",
             try db.execute("""
                SELECT id, left(subject, 1024) AS subject, left(filename, 1024) AS filename, status,
                       left(reason, 1024) AS reason, check_job_id, enrolled_by, enrolled_at
                FROM sigverify.reference_status ORDER BY id DESC LIMIT 200
                """)),
        ]
    }
}


extension QueryResult {
    /// A non-NULL cell parsed as `T`; NULL or unparsable is an unexpected result.
    func required<T: LosslessStringConvertible>(_ row: Int, _ name: String) throws(PostgresError) -> T {
        guard let text = try string(row, name), let value = T(text) else {
            throw PostgresError(kind: .unexpectedResult, message: "\(name) is NULL or not a \(T.self)")
        }
        return value
    }
}
