import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// Migration 0012 against a real PostgreSQL: enrolment through `sigverify.enrol_reference` by the
/// enroller role only, a reference's status from its check job, revocation and replacement as new
/// rows, jobs with a subject, and the claim handing the worker the subject's active references.
final class EnrolmentTests: XCTestCase {
    /// A subject with `count` references enrolled as an enroller login; returns their enrolments.
    static func enrol(_ db: TestDatabase, _ subject: String, count: Int, from tag: Int = 0) throws -> [Enrolment] {
        let enroller = try TestLogin(db, memberOf: "sigverify_enroller")
        defer { withExtendedLifetime(enroller) {} }
        let queue = try enroller.queue()
        return try (0..<count).map { try queue.enrol(subject: subject, image: Script.ok(1000 + tag + $0), filename: "ref\($0).png") }
    }

    /// Judges every queued job: `valid` for jobs in `valid`, a permanent failure for `unreadable`,
    /// `invalid` (classifier) for the rest. Returns the claimed jobs.
    @discardableResult
    static func judge(_ db: TestDatabase, valid: Set<Int64>, unreadable: Set<Int64> = [],
                      match: (ClaimedJob) -> MatchRecord? = { _ in nil }, writerModelVersion: String? = nil) throws -> [ClaimedJob] {
        let queue = try db.queue()
        let claimed = try db.claim(queue, batchSize: 100, workerId: "w", writerModelVersion: writerModelVersion)
        let results = claimed.map { job -> JobResult in
            if unreadable.contains(job.id) { return JobResult(job: job, outcome: .failure(.permanent("unreadable scan"))) }
            var verdict = QueueTests.verdict(passed: valid.contains(job.id))
            verdict.match = match(job)
            return JobResult(job: job, outcome: .success(verdict))
        }
        _ = try queue.finish(results, workerId: "w")
        return claimed
    }

    func testAReferenceIsActiveOnlyOnceItsCheckJobJudgedItASignature() throws {
        let db = try TestDatabase()
        let refs = try Self.enrol(db, "alice", count: 3)
        XCTAssertEqual(try db.queue().referenceStatuses().map(\.status), ["pending", "pending", "pending"])
        try Self.judge(db, valid: [refs[0].checkJobId], unreadable: [refs[2].checkJobId])
        let statuses = try db.queue().referenceStatuses(subject: "alice")
        XCTAssertEqual(statuses.map(\.status), ["active", "refused", "refused"])
        XCTAssertNil(statuses[0].reason)
        XCTAssertEqual(statuses[1].reason, "not a signature: failed classifier")
        XCTAssertEqual(statuses[2].reason, "check failed: unreadable scan")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.reference_signatures WHERE enrolled_by LIKE '%sigverify_enroller'"), 3)
    }

    func testEnrollingTheSameBytesAgainReturnsTheReferenceAndRevokingOrReplacingAddsRows() throws {
        let db = try TestDatabase()
        let first = try Self.enrol(db, "alice", count: 1)[0]
        let again = try Self.enrol(db, "alice", count: 1)[0]
        XCTAssertEqual(again, Enrolment(referenceId: first.referenceId, checkJobId: first.checkJobId, created: false))
        let login = try TestLogin(db, memberOf: "sigverify_enroller")
        defer { withExtendedLifetime(login) {} }
        let enroller = try login.queue()
        let replacement = try enroller.enrol(subject: "alice", image: Script.ok(7), replaces: first.referenceId)
        XCTAssertTrue(try enroller.revokeReference(replacement.referenceId, reason: "specimen withdrawn"))
        XCTAssertFalse(try enroller.revokeReference(replacement.referenceId, reason: "again"))
        let statuses = try db.queue().referenceStatuses()
        XCTAssertEqual(statuses.map(\.status), ["revoked", "revoked"])
        XCTAssertEqual(statuses.map(\.reason), ["replaced by reference \(replacement.referenceId)", "specimen withdrawn"])
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.reference_events"), 2)
        XCTAssertThrowsError(try enroller.enrol(subject: "bob", image: Script.ok(8), replaces: first.referenceId),
                             "a reference of another subject cannot be replaced")
    }

    func testOnlyTheEnrollerEnrolsAndNobodyChangesAReference() throws {
        let db = try TestDatabase()
        let ref = try Self.enrol(db, "alice", count: 1)[0]
        let forbidden = [
            "SELECT * FROM sigverify.enrol_reference('alice', '\\x0102'::bytea)",
            "SELECT sigverify.revoke_reference(\(ref.referenceId), 'x')",
            "INSERT INTO sigverify.reference_signatures (subject, image, image_sha256, check_job_id) VALUES ('alice', '\\x01', sha256('\\x01'), \(ref.checkJobId))",
            "UPDATE sigverify.reference_signatures SET image = '\\x02', image_sha256 = sha256('\\x02')",
            "DELETE FROM sigverify.reference_signatures",
            "INSERT INTO sigverify.reference_events (reference_id, kind, reason) VALUES (\(ref.referenceId), 'revoked', 'x')",
            "DELETE FROM sigverify.reference_events",
            "INSERT INTO sigverify.reference_embeddings (reference_id, model_version, embedding, computed_by) VALUES (\(ref.referenceId), 'v', '\\x00000000', 'w')",
            "UPDATE sigverify.reference_embeddings SET embedding = '\\x00000000'",
            "INSERT INTO sigverify.subjects (subject) VALUES ('mallory')",
        ]
        // Only the worker matches: through active_references and cache_embeddings, never the tables.
        let workerOnly = ["SELECT * FROM sigverify.active_references('{alice}', 'v')",
                          "SELECT sigverify.cache_embeddings('w', 'v', '{\(ref.referenceId)}', '{\"\\\\x00000000\"}')"]
        let extra = ["sigverify_enqueuer": workerOnly + ["SELECT * FROM sigverify.reference_signatures"],
                     "sigverify_worker": ["SELECT * FROM sigverify.reference_signatures", "SELECT * FROM sigverify.reference_status"],
                     "sigverify_auditor": workerOnly]
        for (group, more) in extra {
            let login = try TestLogin(db, memberOf: group)
            defer { withExtendedLifetime(login) {} }
            let conn = try login.connect()
            for sql in forbidden + more { assertDenied(conn, sql, as: group) }
        }
        let enrollerLogin = try TestLogin(db, memberOf: "sigverify_enroller")
        defer { withExtendedLifetime(enrollerLogin) {} }
        let enroller = try enrollerLogin.connect()
        for sql in forbidden.dropFirst(2) + ["SELECT * FROM sigverify.jobs", "SELECT sigverify.enqueue_scan('\\x01'::bytea)",
                                             "SELECT * FROM sigverify.verdicts"] {
            assertDenied(enroller, sql, as: "sigverify_enroller")
        }
        // Not even the owner (or a superuser) rewrites one while the append-only triggers stand.
        XCTAssertThrowsError(try db.connect().execute("UPDATE sigverify.reference_signatures SET filename = 'x'"))
        XCTAssertThrowsError(try db.connect().execute("TRUNCATE sigverify.reference_events"))
        XCTAssertThrowsError(try db.connect().execute("UPDATE sigverify.jobs SET subject = 'bob' WHERE id = \(ref.checkJobId)"))
    }

    private func assertDenied(_ conn: PostgresConnection, _ sql: String, as group: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try conn.execute(sql), "\(group): \(sql)", file: file, line: line) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42501", "\(group): \(sql): \(error)", file: file, line: line)
        }
    }

    func testJobsCarryTheirSubjectWhicheverWayTheyAreSubmitted() throws {
        let db = try TestDatabase()
        let login = try TestLogin(db, memberOf: "sigverify_enqueuer")
        defer { withExtendedLifetime(login) {} }
        let enqueuer = try login.queue()
        let batch = try enqueuer.enqueue([NewJob(image: Script.ok(1), idempotencyKey: .derived, subject: "alice"),
                                          NewJob(image: Script.ok(1), idempotencyKey: .derived)])
        XCTAssertNotEqual(batch[0], batch[1], "the same file for a subject and without one: two jobs")
        XCTAssertEqual(try enqueuer.enqueue([NewJob(image: Script.ok(1), idempotencyKey: .derived, subject: "alice")]), [batch[0]])
        let named = try enqueuer.enqueueScan(Script.ok(2), externalRef: "q2", subject: "bob")
        let old = try enqueuer.db.execute("SELECT sigverify.enqueue_scan('\\x03'::bytea, 'q3', '{}'::jsonb, 0, idempotency_key => 'k3') AS id")
        let oldId = Int64(try old.int(0, "id") ?? -1)
        let subjects = try db.connect().execute("SELECT id, subject FROM sigverify.jobs ORDER BY id")
        var byId: [Int64: String?] = [:]
        for r in 0..<subjects.count { byId[Int64(try subjects.int(r, "id") ?? 0)] = try subjects.string(r, "subject") }
        XCTAssertEqual(byId[batch[0]], "alice")
        XCTAssertEqual(byId[batch[1]], .some(nil))
        XCTAssertEqual(byId[named], "bob")
        XCTAssertEqual(byId[oldId], .some(nil))
        XCTAssertThrowsError(try enqueuer.enqueueScan([3], idempotencyKey: "k3", subject: "carol"),
                             "a key names one scan for one subject")
        let workerLogin = try TestLogin(db, memberOf: "sigverify_worker")
        defer { withExtendedLifetime(workerLogin) {} }
        let worker = try workerLogin.connect()
        XCTAssertThrowsError(try worker.execute("UPDATE sigverify.jobs SET subject = 'mallory' WHERE id = \(named)"))
    }

    func testTheClaimBringsTheSubjectsActiveReferencesAndTheVerdictTheMatch() throws {
        let db = try TestDatabase()
        let refs = try Self.enrol(db, "alice", count: 3)
        try Self.judge(db, valid: Set(refs.prefix(2).map(\.checkJobId)))  // the third is refused
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: Script.ok(1), subject: "alice"), NewJob(image: Script.ok(2)),
                                     NewJob(image: Script.ok(3), subject: "bob")])
        let claimed = try Self.judge(db, valid: Set(ids), match: { job in
            guard let subject = job.subject else { return nil }
            guard !job.references.isEmpty else { return .unmatched(MatchRecord.noReferences, modelVersion: "wm1", threshold: 0.5) }
            XCTAssertEqual(subject, "alice")
            XCTAssertEqual(job.references.map(\.id), refs.prefix(2).map(\.referenceId))
            XCTAssertEqual(job.references.map(\.image), [Script.ok(1000), Script.ok(1001)])
            let fresh = job.references.map { ReferenceEmbedding(referenceId: $0.id, embedding: [Float($0.id), 0.25]) }
            return .scored(0.75, threshold: 0.5, modelVersion: "wm1", referenceIds: job.references.map(\.id), newEmbeddings: fresh)
        }, writerModelVersion: "wm1")
        XCTAssertEqual(claimed.map(\.subject), ["alice", nil, "bob"])
        let rows = try db.connect().execute("""
            SELECT match_score, match_passed, match_threshold, match_model_version, match_references, match_reason
            FROM sigverify.verdicts ORDER BY job_id DESC LIMIT 3
            """)
        XCTAssertEqual(try (0..<3).map { try rows.string($0, "match_score") }, [nil, nil, "0.75"])
        XCTAssertEqual(try (0..<3).map { try rows.string($0, "match_passed") }, [nil, nil, "t"])
        XCTAssertEqual(try (0..<3).map { try rows.string($0, "match_reason") }, [MatchRecord.noReferences, nil, nil])
        XCTAssertEqual(try rows.string(2, "match_references"), "2")
        XCTAssertEqual(try rows.string(0, "match_model_version"), "wm1")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.reference_embeddings WHERE model_version = 'wm1'"), 2)
        // The next claim brings the cached embeddings, not the bytes; another model version the bytes again.
        let next = try queue.enqueue([NewJob(image: Script.ok(4), subject: "alice")])
        let cached = try queue.claim(batchSize: 1, leaseSeconds: 30, workerId: "w", writerModelVersion: "wm1")
        XCTAssertEqual(cached.map(\.id), next)
        XCTAssertEqual(cached[0].references.map(\.embedding), refs.prefix(2).map { [Float($0.referenceId), 0.25] })
        XCTAssertEqual(cached[0].references.map(\.image), [nil, nil])
        XCTAssertEqual(try queue.activeReferences(of: ["alice"], modelVersion: "wm2")["alice"]?.map(\.image),
                       [Script.ok(1000), Script.ok(1001)])
        // A revoked reference is no longer matched against.
        let login = try TestLogin(db, memberOf: "sigverify_enroller")
        defer { withExtendedLifetime(login) {} }
        try login.queue().revokeReference(refs[1].referenceId, reason: "withdrawn")
        XCTAssertEqual(try queue.activeReferences(of: ["alice", "bob"], modelVersion: "wm1").mapValues { $0.map(\.id) },
                       ["alice": [refs[0].referenceId]])
        let audit = try ChainAuditor(queue: try db.queue(), pageSize: 4).audit()
        XCTAssertNil(audit.failure, audit.failure.map(\.description) ?? "")
    }

    func testReportingViewsCountMatchesPerSubject() throws {
        let db = try TestDatabase()
        let refs = try Self.enrol(db, "alice", count: 1)
        try Self.judge(db, valid: [refs[0].checkJobId])
        let ids = try db.queue().enqueue((0..<3).map { NewJob(image: Script.ok($0), subject: "alice") } + [NewJob(image: Script.ok(9))])
        let scores: [Int64: Double] = [ids[0]: 0.9, ids[1]: 0.52, ids[2]: 0.1]
        try Self.judge(db, valid: Set(ids), match: { job in
            scores[job.id].map { .scored($0, threshold: 0.5, modelVersion: "wm1", referenceIds: [refs[0].referenceId]) }
        }, writerModelVersion: "wm1")
        let login = try TestLogin(db, memberOf: "sigverify_auditor")
        defer { withExtendedLifetime(login) {} }
        let auditor = try login.connect()
        let row = try auditor.execute("SELECT verdicts, matched, match_passed, near_threshold FROM sigverify.subject_matches WHERE subject = 'alice'")
        XCTAssertEqual(try ["verdicts", "matched", "match_passed", "near_threshold"].map { try row.int(0, $0) }, [3, 3, 2, 1])
        XCTAssertEqual(try auditor.execute("SELECT * FROM sigverify.daily_matches").count, 1)
        let titles = try db.queue().reportTables().map(\.title)
        XCTAssertTrue(titles.contains { $0.contains("subject_matches") } && titles.contains { $0.contains("reference_status") }, "\(titles)")
    }
}
