import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// The queue's statements, driven in-process against a real PostgreSQL.
final class QueueTests: XCTestCase {
    static func verdict(passed: Bool = true, png: [UInt8] = [0x89, 0x50, 0x4E, 0x47]) -> VerdictRecord {
        VerdictRecord(modelVersion: "m1", preprocessingProfile: "seed",
                      reconstructionError: 0.01, anomalyScore: -0.42, classifierConfidence: passed ? 0.9 : 0.1,
                      reconstructionThreshold: 0.02, anomalyScoreMin: -0.5, classifierConfidenceMin: 0.5,
                      reconstructionPassed: true, anomalyPassed: true, classifierPassed: passed,
                      timings: StageTimings(decodeMs: 1, preprocessMs: 2, verifyMs: 3), preprocessedPNG: png)
    }

    func testEnqueueBatchStoresEverythingAndIsFast() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let jobs = (0..<3000).map { i in
            NewJob(image: Array(repeating: UInt8(i % 251), count: 2000), filename: "scan\(i).png", contentType: "image/png",
                   externalRef: "ref-\(i)", metadataJSON: #"{"i": \#(i)}"#, priority: i % 3)
        }
        let start = Date()
        let ids = try queue.enqueue(jobs)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(ids.count, 3000)
        XCTAssertEqual(Set(ids).count, 3000)
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertLessThan(seconds, 3, "3000 enqueues took \(seconds) s; expected thousands per second")
        let row = try db.connect().execute("""
            SELECT filename, content_type, external_ref, metadata->>'i' AS i, priority, status, attempts,
                   image_size, encode(image_sha256, 'hex') = encode(sha256(image), 'hex') AS digest_ok
            FROM sigverify.jobs WHERE id = $1
            """, [.int(ids[7])])
        XCTAssertEqual(try row.string(0, "filename"), "scan7.png")
        XCTAssertEqual(try row.string(0, "external_ref"), "ref-7")
        XCTAssertEqual(try row.string(0, "i"), "7")
        XCTAssertEqual(try row.int(0, "priority"), 1)
        XCTAssertEqual(try row.string(0, "status"), "queued")
        XCTAssertEqual(try row.int(0, "image_size"), 2000)
        XCTAssertEqual(try row.bool(0, "digest_ok"), true)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events WHERE to_status = 'queued' AND reason = 'enqueued'"), 3000)
    }

    func testEnqueueScanFunctionNotifiesListeners() throws {
        let db = try TestDatabase()
        let listener = try db.connect()
        try listener.listen(JobQueue.channel)
        let queue = try db.queue()
        let id = try queue.enqueueScan([1, 2, 3, 0, 255], externalRef: "crm-42", metadataJSON: #"{"source":"crm"}"#, priority: -1)
        let notes = try listener.waitForNotifications(timeout: 5)
        XCTAssertEqual(notes.first?.channel, JobQueue.channel)
        let claimed = try queue.claim(batchSize: 10, leaseSeconds: 30, workerId: "w")
        XCTAssertEqual(claimed.map(\.id), [id])
        XCTAssertEqual(claimed.first?.image, [1, 2, 3, 0, 255], "bytea round trip is binary-exact")
        XCTAssertEqual(claimed.first?.externalRef, "crm-42")
        XCTAssertEqual(claimed.first?.attempt, 1)
    }

    func testWaitForNotificationsTimesOutWithoutBusyLooping() throws {
        let db = try TestDatabase()
        let listener = try db.connect()
        try listener.listen(JobQueue.channel)
        let start = Date()
        let notes = try listener.waitForNotifications(timeout: 0.3)
        XCTAssertEqual(notes, [])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.25)
    }

    func testThePageToVerifyTravelsFromEnqueueToClaim() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let fromBatch = try queue.enqueue([NewJob(image: [1, 2, 3], page: 2), NewJob(image: [4])])
        let fromSQL = try db.connect().execute(
            "SELECT sigverify.enqueue_scan(image => '\\x0102'::bytea, external_ref => 'fax-1', page => 1) AS id")
        let claimed = try queue.claim(batchSize: 10, leaseSeconds: 30, workerId: "w")
        let pages = Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0.page) })
        XCTAssertEqual(pages[fromBatch[0]], 2)
        XCTAssertEqual(pages[fromBatch[1]], 0)
        XCTAssertEqual(pages[Int64(try XCTUnwrap(try fromSQL.int(0, "id")))], 1)
        XCTAssertThrowsError(try queue.enqueue([NewJob(image: [1], page: -1)]), "a negative page is refused by the table")
    }

    func testClaimOrdersByPriorityAndNeverHandsOutAJobTwice() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let low = try queue.enqueue([NewJob(image: [1], priority: 5)])
        let high = try queue.enqueue([NewJob(image: [2], priority: -5)])
        let rest = try queue.enqueue((0..<40).map { _ in NewJob(image: [3]) })
        let first = try queue.claim(batchSize: 1, leaseSeconds: 30, workerId: "a")
        XCTAssertEqual(first.map(\.id), high)
        // Two connections claiming concurrently split the rest without overlap.
        let other = try db.queue()
        var seen = Set<Int64>(first.map(\.id))
        while true {
            let a = try queue.claim(batchSize: 7, leaseSeconds: 30, workerId: "a")
            let b = try other.claim(batchSize: 5, leaseSeconds: 30, workerId: "b")
            if a.isEmpty && b.isEmpty { break }
            for job in a + b { XCTAssertTrue(seen.insert(job.id).inserted, "job \(job.id) claimed twice") }
        }
        XCTAssertEqual(seen, Set(low + high + rest))
    }

    func testFinishWritesOneVerdictAndIsIdempotent() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: [1]), NewJob(image: [2]), NewJob(image: [3])])
        let jobs = try queue.claim(batchSize: 3, leaseSeconds: 30, workerId: "w1")
        let results = [
            JobResult(job: jobs[0], outcome: .success(Self.verdict(passed: true, png: Array(repeating: 7, count: 3000)))),
            JobResult(job: jobs[1], outcome: .success(Self.verdict(passed: false))),
            JobResult(job: jobs[2], outcome: .failure(.permanent("unsupported image format"))),
        ]
        let summary = try queue.finish(results, workerId: "w1")
        XCTAssertEqual(summary.succeeded, [ids[0], ids[1]])
        XCTAssertEqual(summary.failed, [ids[2]])
        XCTAssertEqual(summary.lostLease, [])
        // A retry of the same finish (e.g. after a connection drop) writes nothing.
        let again = try queue.finish(results, workerId: "w1")
        XCTAssertEqual(again.succeeded, [])
        XCTAssertEqual(again.lostLease, ids)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 2)
        let v = try db.connect().execute("SELECT * FROM sigverify.verdicts WHERE job_id = $1", [.int(ids[1])])
        XCTAssertEqual(try v.string(0, "verdict"), "invalid")
        XCTAssertEqual(try v.bool(0, "classifier_passed"), false)
        XCTAssertEqual(try v.string(0, "worker_id"), "w1")
        XCTAssertEqual(try v.double(0, "anomaly_score"), -0.42)
        let png = try db.connect().execute("SELECT preprocessed_png FROM sigverify.verdicts WHERE job_id = $1", [.int(ids[0])])
        XCTAssertEqual(try png.bytes(0, "preprocessed_png"), Array(repeating: 7, count: 3000))
        let failed = try db.connect().execute("SELECT status, last_error, finished_at IS NOT NULL AS done FROM sigverify.jobs WHERE id = $1", [.int(ids[2])])
        XCTAssertEqual(try failed.string(0, "status"), "failed")
        XCTAssertEqual(try failed.string(0, "last_error"), "unsupported image format")
        XCTAssertEqual(try failed.bool(0, "done"), true)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE lease_owner IS NOT NULL"), 0)
    }

    func testLostLeaseNeverWritesASecondVerdict() throws {
        let db = try TestDatabase()
        let a = try db.queue(), b = try db.queue()
        let ids = try a.enqueue([NewJob(image: [1])])
        let claimedByA = try a.claim(batchSize: 1, leaseSeconds: 1, workerId: "A")
        XCTAssertEqual(claimedByA.map(\.id), ids)
        // A stalls past its lease; the reaper returns the job and B takes it.
        Thread.sleep(forTimeInterval: 1.2)
        let reaped = try b.reapExpiredLeases(retryPolicy: .immediate)
        XCTAssertEqual(reaped.requeued, ids)
        let claimedByB = try b.claim(batchSize: 1, leaseSeconds: 30, workerId: "B")
        XCTAssertEqual(claimedByB.first?.attempt, 2)
        // A wakes up and tries to write: nothing happens.
        let late = try a.finish([JobResult(job: claimedByA[0], outcome: .success(Self.verdict()))], workerId: "A")
        XCTAssertEqual(late.lostLease, ids)
        let onTime = try b.finish([JobResult(job: claimedByB[0], outcome: .success(Self.verdict()))], workerId: "B")
        XCTAssertEqual(onTime.succeeded, ids)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 1)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE worker_id = 'B'"), 1)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events WHERE reason LIKE 'lease of A expired during attempt 1'"), 1)
    }

    func testTransientFailuresBackOffThenFail() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let policy = RetryPolicy(baseDelay: 10, maxDelay: 25)
        let ids = try queue.enqueue([NewJob(image: [1], maxAttempts: 3)])
        var expectedUpper: [Double] = []
        for attempt in 1...3 {
            // Make the job runnable now regardless of its backoff, then claim and fail it.
            try db.connect().execute("UPDATE sigverify.jobs SET run_after = now() WHERE id = $1", [.int(ids[0])])
            let jobs = try queue.claim(batchSize: 1, leaseSeconds: 30, workerId: "w")
            XCTAssertEqual(jobs.first?.attempt, attempt)
            let summary = try queue.finish([JobResult(job: jobs[0], outcome: .failure(.transient("disk busy")))],
                                           workerId: "w", retryPolicy: policy)
            let row = try db.connect().execute("""
                SELECT status, last_error, extract(epoch FROM run_after - updated_at)::float8 AS delay
                FROM sigverify.jobs WHERE id = $1
                """, [.int(ids[0])])
            if attempt < 3 {
                XCTAssertEqual(summary.retried, ids)
                XCTAssertEqual(try row.string(0, "status"), "queued")
                let range = policy.delayRange(afterAttempt: attempt)
                let delay = try XCTUnwrap(try row.double(0, "delay"))
                XCTAssertTrue(range.lowerBound - 0.05 <= delay && delay <= range.upperBound + 0.05,
                              "attempt \(attempt): delay \(delay) outside \(range)")
                XCTAssertEqual(try row.string(0, "last_error"), "attempt \(attempt) failed, retrying: disk busy")
                expectedUpper.append(range.upperBound)
                // Not claimable before run_after.
                XCTAssertEqual(try queue.claim(batchSize: 1, leaseSeconds: 30, workerId: "w"), [])
            } else {
                XCTAssertEqual(summary.failed, ids)
                XCTAssertEqual(try row.string(0, "status"), "failed")
                XCTAssertEqual(try row.string(0, "last_error"), "gave up after 3 attempts: disk busy")
            }
        }
        XCTAssertEqual(expectedUpper, [10, 20])
    }

    func testRetryPolicySchedule() {
        let policy = RetryPolicy(baseDelay: 2, maxDelay: 300)
        XCTAssertEqual(policy.delayRange(afterAttempt: 1), 1...2)
        XCTAssertEqual(policy.delayRange(afterAttempt: 2), 2...4)
        XCTAssertEqual(policy.delayRange(afterAttempt: 5), 16...32)
        XCTAssertEqual(policy.delayRange(afterAttempt: 20), 150...300)
        var rng = SystemRandomNumberGenerator()
        let samples = (0..<200).map { _ in policy.delay(afterAttempt: 3, using: &rng) }
        XCTAssertTrue(samples.allSatisfy { (4...8).contains($0) })
        XCTAssertGreaterThan(Set(samples).count, 150, "jitter spreads retries")
    }

    func testReaperFailsJobsThatExhaustedTheirAttempts() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: [1], maxAttempts: 1), NewJob(image: [2], maxAttempts: 2)])
        _ = try queue.claim(batchSize: 2, leaseSeconds: 1, workerId: "dead")
        XCTAssertEqual(try queue.reapExpiredLeases().requeued, [], "leases not expired yet")
        Thread.sleep(forTimeInterval: 1.2)
        let reaped = try queue.reapExpiredLeases()
        XCTAssertEqual(reaped.failed, [ids[0]])
        XCTAssertEqual(reaped.requeued, [ids[1]])
        let reason = try db.connect().execute("SELECT last_error FROM sigverify.jobs WHERE id = $1", [.int(ids[0])])
        XCTAssertEqual(try reason.string(0, "last_error"), "lease of dead expired during attempt 1 (no attempts left)")
    }

    func testReaperBacksOffBeforeTheNextAttempt() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: [1])])
        for attempt in 1...3 {
            XCTAssertEqual(try queue.claim(batchSize: 1, leaseSeconds: 0.2, workerId: "dead").map(\.attempt), [attempt])
            Thread.sleep(forTimeInterval: 0.3)
            XCTAssertEqual(try queue.reapExpiredLeases(retryPolicy: RetryPolicy(baseDelay: 60, maxDelay: 100)).requeued, ids)
            // Attempt k waits in [½d, d], d = min(100, 60·2^(k−1)): not claimable now.
            let wait = try db.connect().execute("SELECT extract(epoch FROM run_after - now())::float8 AS s FROM sigverify.jobs")
            let seconds = try XCTUnwrap(wait.double(0, "s"))
            let d = min(100, 60 * pow(2, Double(attempt - 1)))
            XCTAssertGreaterThan(seconds, d / 2 - 1, "attempt \(attempt)")
            XCTAssertLessThanOrEqual(seconds, d, "attempt \(attempt)")
            XCTAssertEqual(try queue.claim(batchSize: 1, leaseSeconds: 0.2, workerId: "other"), [])
            try db.connect().execute("UPDATE sigverify.jobs SET run_after = now()")  // skip the wait
        }
    }

    func testHeartbeatExtendsOnlyTheListedLeases() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: [1]), NewJob(image: [2])])
        try queue.registerWorker(id: "w", hostname: "h", pid: 1, concurrency: 1, modelVersion: "m")
        _ = try queue.claim(batchSize: 2, leaseSeconds: 1, workerId: "w")
        XCTAssertEqual(try queue.heartbeat(workerId: "w", jobIds: [ids[0]], leaseSeconds: 60), 1)
        Thread.sleep(forTimeInterval: 1.2)
        XCTAssertEqual(try queue.reapExpiredLeases().requeued, [ids[1]])
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'running'"), 1)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.workers WHERE last_heartbeat_at > now() - interval '5 seconds'"), 1)
    }

    func testCancellationBySQLIsAuditedAndOnlyForQueuedJobs() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: [1]), NewJob(image: [2]), NewJob(image: [3])])
        XCTAssertTrue(try queue.cancel(jobId: ids[0], reason: "customer withdrew"))
        XCTAssertFalse(try queue.cancel(jobId: ids[0]), "already cancelled")
        // Another system may also cancel with a plain UPDATE.
        try db.connect().execute("UPDATE sigverify.jobs SET status = 'cancelled' WHERE id = $1", [.int(ids[1])])
        let claimed = try queue.claim(batchSize: 10, leaseSeconds: 30, workerId: "w")
        XCTAssertEqual(claimed.map(\.id), [ids[2]], "cancelled jobs are never claimed")
        XCTAssertFalse(try queue.cancel(jobId: ids[2]), "a running job is not cancelled")
        XCTAssertThrowsError(try db.connect().execute("UPDATE sigverify.jobs SET status = 'cancelled' WHERE id = $1", [.int(ids[2])])) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "23514", "\(error)")
            XCTAssertTrue("\(error)".contains("jobs_lease_only_while_running"), "\(error)")
        }
        let events = try db.connect().execute("""
            SELECT job_id, reason FROM sigverify.job_events WHERE to_status = 'cancelled' ORDER BY job_id
            """)
        XCTAssertEqual(events.rows.map { $0[1] }, ["customer withdrew", "cancelled"])
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'cancelled' AND finished_at IS NOT NULL"), 2)
    }

    func testPruneDropsImagesButKeepsVerdictsAndEvents() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: Array(repeating: 9, count: 5000)), NewJob(image: [2]), NewJob(image: [3])])
        let jobs = try queue.claim(batchSize: 2, leaseSeconds: 30, workerId: "w")
        _ = try queue.finish([JobResult(job: jobs[0], outcome: .success(Self.verdict())),
                              JobResult(job: jobs[1], outcome: .failure(.permanent("corrupt")))], workerId: "w")
        XCTAssertEqual(try queue.prune(olderThanSeconds: 3600), 0, "nothing finished an hour ago")
        let events = try db.scalar("SELECT count(*) FROM sigverify.job_events")
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try queue.prune(olderThanSeconds: 0.1), 2)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE image IS NULL AND image_pruned_at IS NOT NULL"), 2)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE id = $1 AND image IS NOT NULL", [.int(ids[2])]), 1,
                       "queued jobs keep their scan")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE octet_length(preprocessed_png) > 0"), 1)
        XCTAssertEqual(try db.scalar("SELECT image_size FROM sigverify.jobs WHERE id = $1", [.int(ids[0])]), 5000)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events"), events)
    }

    func testVerdictsAndEventsAreAppendOnly() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: [1])])
        let jobs = try queue.claim(batchSize: 1, leaseSeconds: 30, workerId: "w")
        _ = try queue.finish([JobResult(job: jobs[0], outcome: .success(Self.verdict()))], workerId: "w")
        let conn = try db.connect()
        for sql in ["UPDATE sigverify.verdicts SET verdict = 'invalid'", "DELETE FROM sigverify.verdicts",
                    "TRUNCATE sigverify.verdicts", "UPDATE sigverify.job_events SET reason = 'x'",
                    "DELETE FROM sigverify.job_events", "TRUNCATE sigverify.job_events CASCADE"] {
            XCTAssertThrowsError(try conn.execute(sql), sql) { error in
                let e = error as? PostgresError
                XCTAssertEqual(e?.sqlState, "42501", "\(error)")
                XCTAssertTrue(e?.message.contains("append-only") == true, "\(error)")
            }
        }
        // One verdict per job, whatever path tries to add a second.
        XCTAssertThrowsError(try conn.execute("""
            INSERT INTO sigverify.verdicts (job_id, model_version, preprocessing_profile, reconstruction_error, anomaly_score,
                classifier_confidence, reconstruction_threshold, anomaly_score_min, classifier_confidence_min,
                reconstruction_passed, anomaly_passed, classifier_passed, verdict, worker_id, decode_ms, preprocess_ms,
                verify_ms, preprocessed_png)
            SELECT job_id, model_version, preprocessing_profile, reconstruction_error, anomaly_score, classifier_confidence,
                reconstruction_threshold, anomaly_score_min, classifier_confidence_min, reconstruction_passed, anomaly_passed,
                classifier_passed, verdict, worker_id, decode_ms, preprocess_ms, verify_ms, preprocessed_png
            FROM sigverify.verdicts WHERE job_id = $1
            """, [.int(ids[0])])) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "23505", "\(error)")
        }
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 1)
    }

    func testReportingViews() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        _ = try queue.enqueue((0..<5).map { NewJob(image: [UInt8($0)], externalRef: "r\($0)") })
        let jobs = try queue.claim(batchSize: 5, leaseSeconds: 30, workerId: "w")
        _ = try queue.finish([
            JobResult(job: jobs[0], outcome: .success(Self.verdict(passed: true))),
            JobResult(job: jobs[1], outcome: .success(Self.verdict(passed: true))),
            JobResult(job: jobs[2], outcome: .success(Self.verdict(passed: true))),
            JobResult(job: jobs[3], outcome: .success(Self.verdict(passed: false))),
            JobResult(job: jobs[4], outcome: .failure(.permanent("truncated PNG"))),
        ], workerId: "w")
        let conn = try db.connect()
        let daily = try conn.execute("SELECT verdicts, valid, invalid, valid_rate, classifier_pass_rate FROM sigverify.daily_verdicts")
        XCTAssertEqual(daily.rows, [["4", "3", "1", "0.7500", "0.7500"]])
        let criteria = try conn.execute("SELECT criterion, failures, sole_failures FROM sigverify.criterion_failures ORDER BY criterion")
        XCTAssertEqual(criteria.rows, [["anomaly", "0", "0"], ["classifier", "1", "1"], ["reconstruction", "0", "0"]])
        let depth = try conn.execute("SELECT status, jobs FROM sigverify.queue_depth")
        XCTAssertEqual(depth.rows, [["queued", "0"], ["running", "0"], ["succeeded", "4"], ["failed", "1"], ["cancelled", "0"]])
        let latency = try conn.execute("SELECT verdicts, p50_seconds IS NOT NULL AS has_p50 FROM sigverify.latency_percentiles")
        XCTAssertEqual(latency.rows, [["4", "t"]])
        let failures = try conn.execute("SELECT external_ref, last_error FROM sigverify.recent_failures")
        XCTAssertEqual(failures.rows, [["r4", "truncated PNG"]])
        let latest = try conn.execute("""
            SELECT external_ref, verdict, classifier_passed, preprocessing_profile FROM sigverify.recent_verdicts ORDER BY job_id
            """)
        XCTAssertEqual(latest.rows, [["r0", "valid", "t", "seed"], ["r1", "valid", "t", "seed"],
                                     ["r2", "valid", "t", "seed"], ["r3", "invalid", "f", "seed"]])
        let report = try queue.reportTables()
        XCTAssertEqual(report.count, 9, "six verdict tables, then (0012) matches per subject, per day, and the references")
        XCTAssertTrue(report[0].table.rows.contains { $0.contains("0.1000 FAIL") }, "\(report[0].table.rows)")
        XCTAssertTrue(report[5].table.rows.contains { $0.contains("truncated PNG") })
        let status = try queue.status()
        XCTAssertEqual(status.depth.first { $0.status == "succeeded" }?.jobs, 4)
        XCTAssertEqual(status.throughput.map(\.window), ["last 1 min", "last 5 min", "last 15 min"])
    }

    func testErrorsCarrySQLStateAndMessage() throws {
        let db = try TestDatabase()
        XCTAssertThrowsError(try db.connect().execute("SELECT * FROM sigverify.no_such_table")) { error in
            let e = error as? PostgresError
            XCTAssertEqual(e?.sqlState, "42P01")
            XCTAssertTrue("\(error)".contains("no_such_table"), "\(error)")
        }
        XCTAssertThrowsError(try PostgresConnection(url: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .connect)
            XCTAssertTrue((error as? PostgresError)?.isConnectionProblem == true)
        }
    }
}
