import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// References, revocations and cached embeddings in the audit chain (migration 0012): a superuser
/// who swaps a specimen, deletes a revocation or slips in a reference or an embedding with the
/// triggers off is named by `ChainAuditor` and `sigverify audit`; and migrating a database holding
/// 0011's verdicts and events to 0012 keeps every sealed row verifying.
final class ReferenceChainTests: XCTestCase {
    /// Alice with two active references (embeddings cached for "wm1"), one revoked, one questioned
    /// verdict; the schema at `version` (nil: every migration).
    private func enrolledDatabase(at version: Int? = nil) throws -> (db: TestDatabase, refs: [Enrolment]) {
        let db = try TestDatabase(migrate: version == nil)
        if let version {
            try Migrator(migrations: try Migrator.bundled().migrations.filter { $0.version <= version }).migrate(try db.connect())
        }
        let refs = try EnrolmentTests.enrol(db, "alice", count: 3)
        try EnrolmentTests.judge(db, valid: Set(refs.map(\.checkJobId)))
        let enroller = try TestLogin(db, memberOf: "sigverify_enroller")
        defer { withExtendedLifetime(enroller) {} }
        try enroller.queue().revokeReference(refs[2].referenceId, reason: "withdrawn")
        _ = try db.queue().enqueue([NewJob(image: Script.ok(1), subject: "alice")])
        try EnrolmentTests.judge(db, valid: [], match: { job in
            .scored(0.4, threshold: 0.5, modelVersion: "wm1", referenceIds: job.references.map(\.id),
                    newEmbeddings: job.references.map { ReferenceEmbedding(referenceId: $0.id, embedding: [1, 2, 3]) })
        }, writerModelVersion: "wm1")
        return (db, refs)
    }

    /// `sql` as the superuser with the user triggers of the chained tables switched off.
    private func tamper(_ db: TestDatabase, _ sql: String) throws {
        try db.tamper(sql, disabling: ["verdicts", "job_events", "chain_links", "reference_signatures", "reference_events",
                                       "reference_embeddings"])
    }

    private func failure(_ db: TestDatabase) throws -> ChainBreak? {
        try ChainAuditor(queue: try db.queue(), pageSize: 5).audit().failure
    }

    func testAnUntouchedChainListsReferencesRevocationsAndEmbeddings() throws {
        let (db, refs) = try enrolledDatabase()
        XCTAssertNil(try failure(db))
        let places = try db.connect().execute("SELECT table_name, count(*) AS n FROM sigverify.chain_places GROUP BY 1 ORDER BY 1")
        var counts: [String: Int] = [:]
        for r in 0..<places.count { counts[try places.string(r, "table_name") ?? ""] = try places.int(r, "n") }
        XCTAssertEqual(counts["reference_signatures"], refs.count)
        XCTAssertEqual(counts["reference_events"], 1)
        XCTAssertEqual(counts["reference_embeddings"], 2)
        let total = counts.values.reduce(0, +)
        XCTAssertEqual(try db.scalar("SELECT count(DISTINCT chain_seq) FROM sigverify.chain_places"), total, "one place per row")
        XCTAssertEqual(try ChainAuditor(queue: try db.queue()).audit().headSeq, Int64(total))
    }

    func testASwappedSpecimenIsNamed() throws {
        let (db, refs) = try enrolledDatabase()
        let id = refs[0].referenceId
        try tamper(db, "UPDATE sigverify.reference_signatures SET image = '\\x0102', image_sha256 = sha256('\\x0102') WHERE id = \(id)")
        let broken = try failure(db)
        XCTAssertEqual(broken?.table, "reference_signatures")
        XCTAssertEqual(broken?.id, id)
        XCTAssertTrue(broken?.problem.contains("rewritten") == true, broken?.description ?? "no failure")
        let process = try SpawnedProcess("sigverify", ["audit"], environment: ["DATABASE_URL": db.url, "SIGVERIFY_LOG_LEVEL": "warning"])
        XCTAssertEqual(process.waitForExit(timeout: 30), 1, process.stderr)
        XCTAssertTrue(process.stderr.contains("reference_signatures id \(id)") && process.stderr.contains("rewritten"), process.stderr)
    }

    func testASwappedEmbeddingIsNamed() throws {
        let (db, _) = try enrolledDatabase()
        let id = try db.scalar("SELECT min(id) FROM sigverify.reference_embeddings")
        try tamper(db, "UPDATE sigverify.reference_embeddings SET embedding = '\\x0000803f' WHERE id = \(id)")
        let broken = try failure(db)
        XCTAssertEqual(broken?.table, "reference_embeddings")
        XCTAssertEqual(broken?.id, Int64(id))
        XCTAssertTrue(broken?.problem.contains("rewritten") == true, broken?.description ?? "no failure")
    }

    func testADeletedRevocationIsFound() throws {
        let (db, _) = try enrolledDatabase()
        let id = try db.scalar("SELECT id FROM sigverify.reference_events")
        try tamper(db, "DELETE FROM sigverify.reference_events WHERE id = \(id)")
        let broken = try failure(db)
        XCTAssertTrue(broken?.problem.contains("deleted") == true, broken?.description ?? "no failure")
        XCTAssertTrue(broken?.problem.contains("reference_events id \(id)") == true || broken?.table == "reference_events",
                      broken?.description ?? "no failure")
    }

    func testADeletedReferenceIsNamed() throws {
        let (db, _) = try enrolledDatabase()
        let id = try EnrolmentTests.enrol(db, "bob", count: 1, from: 50)[0].referenceId
        XCTAssertNil(try failure(db))
        try tamper(db, "DELETE FROM sigverify.reference_signatures WHERE id = \(id)")
        let broken = try failure(db)
        XCTAssertEqual(broken?.table, "reference_signatures")
        XCTAssertEqual(broken?.id, id)
        XCTAssertTrue(broken?.problem.contains("deleted") == true, broken?.description ?? "no failure")
    }

    func testAnInsertedReferenceIsNamed() throws {
        let (db, refs) = try enrolledDatabase()
        try tamper(db, """
            INSERT INTO sigverify.reference_signatures (subject, image, image_sha256, check_job_id)
            VALUES ('alice', '\\x0a0b', sha256('\\x0a0b'), (SELECT max(id) FROM sigverify.jobs))
            """)
        let broken = try failure(db)
        XCTAssertEqual(broken?.table, "reference_signatures")
        XCTAssertGreaterThan(broken?.id ?? 0, refs.map(\.referenceId).max() ?? 0)
        XCTAssertTrue(broken?.problem.contains("not in the audit chain") == true, broken?.description ?? "no failure")
    }

    /// A database at 0012 holding references, a revocation, embeddings and a matched verdict (JSON
    /// leaves) migrates to 0013: the chain still verifies with the same head, grows with binary
    /// leaves, and a swapped specimen sealed before the migration is still named.
    func testMigratingFrom0012KeepsReferencesChained() throws {
        let (db, refs) = try enrolledDatabase(at: 12)
        let before = try ChainAuditor(queue: try db.queue()).audit()
        XCTAssertNil(before.failure, before.failure.map(\.description) ?? "")
        try Migrator.bundled().migrate(try db.connect())
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.chain_links WHERE leaf_format <> 1"), 0)
        let after = try ChainAuditor(queue: try db.queue()).audit()
        XCTAssertNil(after.failure, after.failure.map(\.description) ?? "")
        XCTAssertEqual(after.headHex, before.headHex, "no row changed its leaf")
        let bob = try EnrolmentTests.enrol(db, "bob", count: 1, from: 50)
        try EnrolmentTests.judge(db, valid: [bob[0].checkJobId])
        XCTAssertGreaterThan(try db.scalar("SELECT count(*) FROM sigverify.chain_links WHERE leaf_format = 2 AND reference_ids <> '{}'"), 0)
        let grown = try ChainAuditor(queue: try db.queue()).audit(expectingHead: before.headHex)
        XCTAssertNil(grown.failure, grown.failure.map(\.description) ?? "")
        try tamper(db, "UPDATE sigverify.reference_signatures SET filename = 'swapped' WHERE id = \(refs[1].referenceId)")
        let broken = try failure(db)
        XCTAssertEqual(broken?.table, "reference_signatures")
        XCTAssertEqual(broken?.id, refs[1].referenceId)
    }

    /// A database at 0011 holding verdicts (written by 0011's record_verdicts), a failure and
    /// their events migrates to 0012; the chain still verifies, and keeps verifying with new rows.
    func testMigratingFrom0011KeepsTheChainVerifying() throws {
        let db = try TestDatabase(migrate: false)
        try Migrator(migrations: try Migrator.bundled().migrations.filter { $0.version <= 11 }).migrate(try db.connect())
        let queue = try db.queue()
        let ids = try queue.enqueue((0..<4).map { NewJob(image: Script.ok($0), idempotencyKey: .derived) })
        try db.connect().executeScript("""
            UPDATE sigverify.jobs SET status = 'running', attempts = 1, lease_owner = 'w', lease_expires_at = now() + interval '1 min';
            SELECT sigverify.record_verdicts('w', ARRAY[
                ROW(\(ids[0]), 1, 'm1', 'seed', 0.01, -0.4, 0.9, 0.02, -0.5, 0.5, true, true, true, 'valid', 1, 2, 3, '\\x89504e47')::sigverify.verdict_input,
                ROW(\(ids[1]), 1, 'm1', 'seed', 0.01, -0.4, 0.1, 0.02, -0.5, 0.5, true, true, false, 'invalid', 1, 2, 3, '\\x89504e47')::sigverify.verdict_input]);
            UPDATE sigverify.jobs SET status = 'failed', last_error = 'unreadable', lease_owner = NULL WHERE id = \(ids[2]);
            """)
        let before = try ChainAuditor(queue: try db.queue()).audit()
        XCTAssertNil(before.failure)
        try Migrator.bundled().migrate(try db.connect())
        XCTAssertEqual(try db.scalar("SELECT max(version) FROM sigverify.schema_migrations"), Migrator.codeVersion)
        let after = try ChainAuditor(queue: try db.queue()).audit()
        XCTAssertNil(after.failure, after.failure.map(\.description) ?? "")
        XCTAssertEqual(after.headHex, before.headHex, "no row changed its content")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE match_score IS NULL AND match_reason IS NULL"), 2)
        let refs = try EnrolmentTests.enrol(db, "alice", count: 1)
        try EnrolmentTests.judge(db, valid: [ids[3], refs[0].checkJobId])
        let grown = try ChainAuditor(queue: try db.queue()).audit(expectingHead: before.headHex)
        XCTAssertNil(grown.failure, grown.failure.map(\.description) ?? "")
        XCTAssertEqual(grown.expectedHeadFound, true)
        try tamper(db, "UPDATE sigverify.verdicts SET match_score = 0.99, match_passed = true WHERE job_id = \(ids[1])")
        XCTAssertEqual(try failure(db)?.table, "verdicts", "a match slipped into an old verdict is a rewrite")
    }
}
