import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// Migration 0006's roles against a real PostgreSQL: each attack of issue 12 fails for the
/// restricted roles, and each role can still do its own job, connected as a member of it.
final class RoleTests: XCTestCase {
    static let groups = ["sigverify_enqueuer", "sigverify_worker", "sigverify_auditor"]

    /// Asserts that `sql` fails with SQLSTATE 42501 (insufficient_privilege).
    private func assertDenied(_ conn: PostgresConnection, _ sql: String, _ params: [PostgresValue?] = [],
                              saying expected: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try conn.execute(sql, params), sql, file: file, line: line) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42501", "\(sql): \(error)", file: file, line: line)
            if let expected {
                XCTAssertTrue("\(error)".contains(expected), "\(error) does not say \(expected)", file: file, line: line)
            }
        }
    }

    /// A database with one judged job (a verdict and its events) and one queued job; returns their ids.
    private func judgedAndQueued(_ db: TestDatabase) throws -> (judged: Int64, queued: Int64) {
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: Script.ok(1)), NewJob(image: Script.ok(2))])
        let claimed = try queue.claim(batchSize: 1, leaseSeconds: 30, workerId: "w")
        let summary = try queue.finish([JobResult(job: claimed[0], outcome: .success(QueueTests.verdict()))], workerId: "w")
        XCTAssertEqual(summary.succeeded, [ids[0]])
        return (ids[0], ids[1])
    }

    /// What any client might try to rewrite history with; none of it may work for a restricted role.
    private func attacks(judged: Int64, queued: Int64) -> [String] {
        let noOp = "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$"
        return [
            "UPDATE sigverify.verdicts SET verdict = 'invalid', classifier_passed = false",
            "DELETE FROM sigverify.verdicts",
            "TRUNCATE sigverify.verdicts",
            "UPDATE sigverify.job_events SET reason = 'rewritten'",
            "DELETE FROM sigverify.job_events",
            "TRUNCATE sigverify.job_events",
            "ALTER TABLE sigverify.verdicts DISABLE TRIGGER USER",
            "ALTER TABLE sigverify.job_events DISABLE TRIGGER USER",
            "DROP TRIGGER verdicts_append_only ON sigverify.verdicts",
            "DROP TRIGGER job_events_append_only ON sigverify.job_events",
            "CREATE OR REPLACE FUNCTION sigverify.refuse_change() \(noOp)",
            "CREATE OR REPLACE FUNCTION sigverify.jobs_record_event() \(noOp)",
            "CREATE OR REPLACE FUNCTION sigverify.jobs_scan_immutable() \(noOp)",
            "INSERT INTO sigverify.job_events (job_id, to_status, attempt, reason) VALUES (\(queued), 'succeeded', 1, 'forged')",
            """
            INSERT INTO sigverify.verdicts (job_id, model_version, preprocessing_profile, reconstruction_error, anomaly_score,
                classifier_confidence, reconstruction_threshold, anomaly_score_min, classifier_confidence_min,
                reconstruction_passed, anomaly_passed, classifier_passed, verdict, worker_id, decode_ms, preprocess_ms,
                verify_ms, preprocessed_png)
            VALUES (\(queued), 'm', 'seed', 0, 0, 1, 1, 0, 0, true, true, true, 'valid', 'nobody', 0, 0, 0, '\\x00')
            """,
            "UPDATE sigverify.jobs SET image = '\\x02'::bytea WHERE id = \(queued)",
            "UPDATE sigverify.jobs SET image = NULL WHERE id = \(queued)",
            "UPDATE sigverify.jobs SET image_sha256 = sha256('\\x02'::bytea)",
            "UPDATE sigverify.jobs SET filename = 'other.png', external_ref = 'other'",
            "UPDATE sigverify.jobs SET metadata = '{\"branch\": \"south\"}'",
            "UPDATE sigverify.jobs SET page = 3",
            "UPDATE sigverify.jobs SET idempotency_key = 'other'",
            "DELETE FROM sigverify.jobs",
            "ALTER TABLE sigverify.jobs DISABLE TRIGGER USER",
            "CREATE TABLE sigverify.shadow (x int)",
            "SET ROLE sigverify_owner",
        ]
    }

    func testEveryAttackFailsForEveryRestrictedRole() throws {
        let db = try TestDatabase()
        let (judged, queued) = try judgedAndQueued(db)
        for group in Self.groups {
            let login = try TestLogin(db, memberOf: group)
            defer { withExtendedLifetime(login) {} }
            let conn = try login.connect()
            XCTAssertNoThrow(try conn.execute("SELECT count(*) FROM sigverify.jobs"), "\(group) is connected and reads")
            for sql in attacks(judged: judged, queued: queued) { assertDenied(conn, "\(sql) -- as \(group)") }
        }
        let verdict = try db.connect().execute("SELECT job_id, verdict FROM sigverify.verdicts")
        XCTAssertEqual(verdict.rows, [["\(judged)", "valid"]], "the verdict is as written")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events WHERE reason = 'forged'"), 0)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE image IS NULL OR filename IS NOT NULL"), 0)
    }

    func testNoRoleHoldsWritePrivilegesOnVerdictsOrEvents() throws {
        let db = try TestDatabase()
        for group in Self.groups {
            for table in ["sigverify.verdicts", "sigverify.job_events"] {
                XCTAssertEqual(try db.scalar("""
                    SELECT count(*) FROM unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER']) AS p
                    WHERE has_table_privilege($1, $2, p)
                    """, [.text(group), .text(table)]), 0, "\(group) on \(table)")
            }
        }
    }

    func testEverythingBelongsToANologinOwnerAndLaterMigrationsToo() throws {
        let db = try TestDatabase()
        var migrations = try Migrator.bundled().migrations
        migrations.append(Migration(version: 999, name: "later", sql: "CREATE TABLE sigverify.later (x int)"))
        XCTAssertEqual(try Migrator(migrations: migrations).migrate(try db.connect()), [999])
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM pg_roles WHERE rolname = 'sigverify_owner' AND NOT rolcanlogin AND NOT rolsuper"), 1)
        XCTAssertEqual(try db.scalar("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'sigverify' AND c.relkind IN ('r', 'v') AND pg_get_userbyid(c.relowner) <> 'sigverify_owner'
            """), 0, "every table and view")
        XCTAssertEqual(try db.scalar("""
            SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'sigverify' AND pg_get_userbyid(p.proowner) <> 'sigverify_owner'
            """), 0, "every function, so SECURITY DEFINER ones run as the NOLOGIN owner, not as a superuser")
        let login = try TestLogin(db, memberOf: "sigverify_auditor")
        defer { withExtendedLifetime(login) {} }
        XCTAssertNoThrow(try login.connect().execute("SELECT * FROM sigverify.later"), "auditors read what later migrations create")
    }

    func testEvenTheOwnerCannotSwapAScanButCanPruneAFinishedOne() throws {
        let db = try TestDatabase()
        let (judged, queued) = try judgedAndQueued(db)
        let owner = try db.connect()
        for sql in ["UPDATE sigverify.jobs SET image = '\\x02'::bytea WHERE id = \(judged)",
                    "UPDATE sigverify.jobs SET image = NULL WHERE id = \(queued)",
                    "UPDATE sigverify.jobs SET filename = 'other.png' WHERE id = \(judged)",
                    "UPDATE sigverify.jobs SET metadata = '{\"a\": 1}', page = 2 WHERE id = \(queued)"] {
            assertDenied(owner, sql, saying: "immutable")
        }
        try owner.execute("UPDATE sigverify.jobs SET image = NULL, image_pruned_at = now() WHERE id = $1", [.int(Int(judged))])
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE image IS NULL AND image_sha256 IS NOT NULL"), 1)
    }

    func testAVerdictRecordsTheSHA256OfTheScanItJudged() throws {
        let db = try TestDatabase()
        let (judged, _) = try judgedAndQueued(db)
        XCTAssertEqual(try db.scalar("""
            SELECT count(*) FROM sigverify.verdicts v JOIN sigverify.jobs j ON j.id = v.job_id
            WHERE v.image_sha256 = sha256($1::bytea) AND v.image_sha256 = j.image_sha256 AND j.id = $2
            """, [.bytea(Script.ok(1)), .int(Int(judged))]), 1)
    }

    func testAWorkerCannotJudgeAJobItDoesNotHoldNorMarkOneSucceeded() throws {
        let db = try TestDatabase()
        let ids = try db.queue().enqueue([NewJob(image: Script.ok(1)), NewJob(image: Script.ok(2))])
        let login = try TestLogin(db, memberOf: "sigverify_worker")
        defer { withExtendedLifetime(login) {} }
        let queue = try login.queue()
        let unclaimed = ClaimedJob(id: ids[1], attempt: 1, maxAttempts: 5, image: nil, filename: nil, contentType: nil,
                                   externalRef: nil, page: 0)
        let claimed = try queue.claim(batchSize: 1, leaseSeconds: 30, workerId: "w1")
        XCTAssertEqual(claimed.map(\.id), [ids[0]])
        let forged = try queue.finish([JobResult(job: unclaimed, outcome: .success(QueueTests.verdict()))], workerId: "w1")
        XCTAssertEqual(forged.lostLease, [ids[1]], "no verdict for a job nobody holds")
        let stolen = try queue.finish([JobResult(job: claimed[0], outcome: .success(QueueTests.verdict()))], workerId: "w2")
        XCTAssertEqual(stolen.lostLease, [ids[0]], "no verdict for another worker's job")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 0)
        let conn = try login.connect()
        assertDenied(conn, "UPDATE sigverify.jobs SET status = 'succeeded', lease_owner = NULL, lease_expires_at = NULL WHERE id = \(ids[0])",
                     saying: "cannot succeed without a verdict")
        XCTAssertEqual(try queue.finish([JobResult(job: claimed[0], outcome: .success(QueueTests.verdict()))], workerId: "w1").succeeded,
                       [ids[0]])
        assertDenied(conn, "UPDATE sigverify.jobs SET status = 'queued' WHERE id = \(ids[0])", saying: "stays so")
    }

    func testAWorkerLoginClaimsAndFinishesJobsEndToEnd() throws {
        let db = try TestDatabase()
        let enqueuer = try TestLogin(db, memberOf: "sigverify_enqueuer")
        defer { withExtendedLifetime(enqueuer) {} }
        let scripts = (0..<40).map { Script.sleep($0 % 3, $0) } + [Array("permanent:unreadable".utf8), Array("transient:busy".utf8)]
        try enqueuer.queue().enqueue(scripts.map { NewJob(image: $0, maxAttempts: 2) })
        let login = try TestLogin(db, memberOf: "sigverify_worker")
        defer { withExtendedLifetime(login) {} }
        let worker = try SpawnedProcess("QueueTestWorker", ["--database-url", login.url, "--concurrency", "2", "--batch-size", "8",
                                                            "--until-empty", "--retry-base", "0.05", "--lease-seconds", "3"])
        XCTAssertEqual(worker.waitForExit(timeout: 60), 0, worker.stderr)
        XCTAssertFalse(worker.stderr.contains("permission denied"), worker.stderr)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts v JOIN sigverify.jobs j ON j.id = v.job_id AND v.image_sha256 = j.image_sha256"), 40)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'failed'"), 2)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.workers WHERE stopped_at IS NOT NULL"), 1)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events WHERE to_status = 'running'"), 43, "one retry of the transient job")
    }

    func testAnEnqueuerSubmitsCancelsAndReadsButNeitherClaimsNorJudges() throws {
        let db = try TestDatabase()
        let login = try TestLogin(db, memberOf: "sigverify_enqueuer")
        defer { withExtendedLifetime(login) {} }
        let queue = try login.queue()
        let ids = try queue.enqueue([NewJob(image: [1], externalRef: "a", maxAttempts: 1), NewJob(image: [2], page: 1)])
        let single = try queue.enqueueScan([3], externalRef: "crm-1", metadataJSON: #"{"b": 1}"#)
        XCTAssertTrue(try queue.cancel(jobId: ids[1], reason: "withdrawn"))
        XCTAssertEqual(try queue.maxScanBytes(), 64 << 20)
        let status = try queue.db.execute("SELECT status, max_attempts, page FROM sigverify.jobs ORDER BY id")
        XCTAssertEqual(status.rows, [["queued", "1", "0"], ["cancelled", "5", "1"], ["queued", "5", "0"]])
        XCTAssertEqual(try queue.db.execute("SELECT count(*) AS n FROM sigverify.job_events").int(0, "n"), 4)
        XCTAssertThrowsError(try queue.claim(batchSize: 10, leaseSeconds: 30, workerId: "w")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42501", "\(error)")
        }
        assertDenied(queue.db, "SELECT sigverify.record_verdict(\(single), 1, 'w', 'm', 'seed', 0, 0, 1, 1, 0, 0, true, true, true, 'valid', 0, 0, 0, '\\x00')")
        assertDenied(queue.db, "INSERT INTO sigverify.jobs (image) VALUES ('\\x01')")
        assertDenied(queue.db, "UPDATE sigverify.jobs SET status = 'cancelled' WHERE id = \(single)")
        assertDenied(queue.db, "SELECT * FROM sigverify.workers")
    }

    func testTheEnqueueCommandWorksAsAnEnqueuer() throws {
        let db = try TestDatabase()
        let login = try TestLogin(db, memberOf: "sigverify_enqueuer")
        defer { withExtendedLifetime(login) {} }
        let scan = FixturePaths.packageRoot.appendingPathComponent("samples/page.png").path
        let enqueue = try SpawnedProcess("sigverify", ["enqueue", scan, "--page", "0"],
                                         environment: ["DATABASE_URL": login.url, "SIGVERIFY_LOG_LEVEL": "warning"])
        XCTAssertEqual(enqueue.waitForExit(timeout: 30), 0, enqueue.stderr)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE external_ref = $1 AND filename = 'page.png'", [.text(scan)]), 1)
    }

    func testAnAuditorReadsEverythingAndWritesNothing() throws {
        let db = try TestDatabase()
        let (judged, queued) = try judgedAndQueued(db)
        let login = try TestLogin(db, memberOf: "sigverify_auditor")
        defer { withExtendedLifetime(login) {} }
        let queue = try login.queue()
        let relations = try db.connect().execute("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'sigverify' AND c.relkind IN ('r', 'v') ORDER BY 1
            """).rows.compactMap { $0[0] }
        XCTAssertGreaterThanOrEqual(relations.count, 12)
        for relation in relations { XCTAssertNoThrow(try queue.db.execute("SELECT * FROM sigverify.\(relation)"), relation) }
        XCTAssertEqual(try queue.reportTables().first?.table.count, 1)
        XCTAssertNoThrow(try queue.status())
        assertDenied(queue.db, "SELECT sigverify.enqueue_scan('\\x01'::bytea)")
        assertDenied(queue.db, "SELECT sigverify.cancel_job(\(queued))")
        assertDenied(queue.db, "UPDATE sigverify.workers SET stopped_at = now()")
        assertDenied(queue.db, "UPDATE sigverify.jobs SET status = 'failed', last_error = 'x' WHERE id = \(judged)")
        XCTAssertThrowsError(try queue.claim(batchSize: 1, leaseSeconds: 30, workerId: "w"))
    }
}
