import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// The audit chain of migration 0007 and `sigverify audit`: what a superuser does with the
/// triggers switched off — rewrite, delete or insert one row — is found and the row named.
final class AuditChainTests: XCTestCase {
    /// A database with verdicts, a failure and their events, written by the real queue statements.
    private func judgedDatabase() throws -> TestDatabase {
        let db = try TestDatabase()
        let queue = try db.queue()
        try queue.enqueue((0..<6).map { NewJob(image: Script.ok($0)) })
        let claimed = try queue.claim(batchSize: 6, leaseSeconds: 30, workerId: "w")
        var results = claimed.dropLast().map { JobResult(job: $0, outcome: .success(QueueTests.verdict(passed: $0.id % 2 == 0))) }
        results.append(JobResult(job: claimed[5], outcome: .failure(.permanent("unreadable"))))
        XCTAssertEqual(try queue.finish(results, workerId: "w").succeeded.count, 5)
        return db
    }

    private func audit(_ db: TestDatabase, _ arguments: [String] = []) throws -> (status: Int32?, stdout: String, stderr: String) {
        let process = try SpawnedProcess("sigverify", ["audit"] + arguments,
                                         environment: ["DATABASE_URL": db.url, "SIGVERIFY_LOG_LEVEL": "warning"])
        let status = process.waitForExit(timeout: 30)
        return (status, process.stdout, process.stderr)
    }

    /// Runs `sql` as the superuser with the user triggers of verdicts and job_events switched off.
    private func tamper(_ db: TestDatabase, _ sql: String) throws {
        try db.connect().executeScript("""
            BEGIN;
            ALTER TABLE sigverify.verdicts DISABLE TRIGGER USER;
            ALTER TABLE sigverify.job_events DISABLE TRIGGER USER;
            \(sql);
            ALTER TABLE sigverify.verdicts ENABLE TRIGGER USER;
            ALTER TABLE sigverify.job_events ENABLE TRIGGER USER;
            COMMIT;
            """)
    }

    private func assertBroken(_ db: TestDatabase, naming row: String, _ problem: String,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try audit(db)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(row) && result.stderr.contains(problem),
                      "\(result.stderr) does not name \(row) (\(problem))", file: file, line: line)
    }

    func testAnUntouchedChainVerifiesAndItsHeadIsTheLastRow() throws {
        let db = try judgedDatabase()
        let rows = try db.scalar("SELECT (SELECT count(*) FROM sigverify.verdicts) + (SELECT count(*) FROM sigverify.job_events)")
        XCTAssertEqual(rows, 5 + 6 * 3)
        let text = try audit(db)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("audit chain verified: \(rows) rows, head seq \(rows) "), text.stdout)
        let head = try audit(db, ["--anchor"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let stored = try db.connect().execute("""
            SELECT encode(chain_hash, 'hex') AS hash FROM sigverify.job_events WHERE chain_seq = $1
            UNION ALL SELECT encode(chain_hash, 'hex') FROM sigverify.verdicts WHERE chain_seq = $1
            """, [.int(rows)])
        XCTAssertEqual(try stored.string(0, "hash"), head)
        let json = try audit(db, ["--json", "--expect-head", head])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertTrue(json.stdout.contains(#""verified":true"#), json.stdout)
    }

    func testARewrittenVerdictIsNamed() throws {
        let db = try judgedDatabase()
        let id = try db.scalar("SELECT id FROM sigverify.verdicts WHERE verdict = 'invalid' ORDER BY id LIMIT 1")
        let seq = try db.scalar("SELECT chain_seq FROM sigverify.verdicts WHERE id = $1", [.int(id)])
        try tamper(db, "UPDATE sigverify.verdicts SET verdict = 'valid', classifier_passed = true WHERE id = \(id)")
        try assertBroken(db, naming: "verdicts id \(id) (chain seq \(seq))", "rewritten")
        let json = try audit(db, ["--json"])
        XCTAssertTrue(json.stdout.contains(#""id":\#(id)"#) && json.stdout.contains(#""table":"verdicts""#), json.stdout)
    }

    /// The auditor itself (in JobQueue, no binary): a clean chain read in pages of 3, then the same
    /// rewrite as above named with its place.
    func testTheAuditorNamesARewrittenVerdictWithoutTheBinary() throws {
        let db = try judgedDatabase()
        let clean = try ChainAuditor(queue: try db.queue(), pageSize: 3).audit()
        XCTAssertNil(clean.failure, clean.failure.map(\.description) ?? "")
        XCTAssertGreaterThan(clean.rows, 3, "more than one page")
        XCTAssertEqual(clean.headSeq, Int64(clean.rows))
        XCTAssertEqual(try ChainAuditor(queue: try db.queue()).audit(expectingHead: clean.headHex).expectedHeadFound, true)
        let id = try db.scalar("SELECT id FROM sigverify.verdicts WHERE verdict = 'invalid' ORDER BY id LIMIT 1")
        let seq = try db.scalar("SELECT chain_seq FROM sigverify.verdicts WHERE id = $1", [.int(id)])
        try tamper(db, "UPDATE sigverify.verdicts SET verdict = 'valid', classifier_passed = true WHERE id = \(id)")
        let broken = try ChainAuditor(queue: try db.queue(), pageSize: 3).audit()
        XCTAssertEqual(broken.failure?.table, "verdicts")
        XCTAssertEqual(broken.failure?.id, Int64(id))
        XCTAssertEqual(broken.failure?.seq, Int64(seq))
        XCTAssertTrue(broken.failure?.problem.contains("rewritten") == true, broken.failure?.problem ?? "no failure")
    }

    func testADeletedEventIsFoundAtTheNextPlace() throws {
        let db = try judgedDatabase()
        let seq = try db.scalar("SELECT min(chain_seq) FROM sigverify.job_events WHERE to_status = 'running'")
        try tamper(db, "DELETE FROM sigverify.job_events WHERE chain_seq = \(seq)")
        let next = try db.connect().execute("""
            SELECT 'job_events' AS t, id FROM sigverify.job_events WHERE chain_seq = $1
            UNION ALL SELECT 'verdicts', id FROM sigverify.verdicts WHERE chain_seq = $1
            """, [.int(seq + 1)])
        let row = "\(try next.string(0, "t") ?? "?") id \(try next.int(0, "id") ?? -1) (chain seq \(seq + 1))"
        try assertBroken(db, naming: row, "chain seq \(seq) missing before it: deleted")
    }

    func testAnInsertedEventIsNamed() throws {
        let db = try judgedDatabase()
        try tamper(db, "INSERT INTO sigverify.job_events (job_id, from_status, to_status, attempt, reason) VALUES (1, 'running', 'succeeded', 1, 'forged')")
        let id = try db.scalar("SELECT id FROM sigverify.job_events WHERE reason = 'forged'")
        try assertBroken(db, naming: "job_events id \(id)", "not in the audit chain")
    }

    func testAnEarlierHeadMustStayInTheChainAndSealedRowsStaySealed() throws {
        let db = try judgedDatabase()
        let head = try audit(db, ["--anchor"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try db.queue().enqueue([NewJob(image: Script.ok(9))])
        XCTAssertEqual(try audit(db, ["--expect-head", head]).status, 0, "history grew, the old head is still in it")
        let forged = String(repeating: "ab", count: 32)
        let result = try audit(db, ["--expect-head", forged])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("expected head \(forged) is not in the chain"), result.stderr)
        XCTAssertThrowsError(try db.connect().execute("UPDATE sigverify.job_events SET chain_hash = sha256('x'::bytea) WHERE id = 1"),
                             "even the owner cannot reseal a row while the triggers are on")
    }

    func testConcurrentWorkersKeepOneUnbrokenChain() throws {
        let db = try TestDatabase()
        try db.queue().enqueue((0..<200).map { NewJob(image: Script.sleep($0 % 3, $0)) })
        let workers = try (0..<3).map { _ in
            try SpawnedProcess("QueueTestWorker", ["--database-url", db.url, "--batch-size", "4", "--concurrency", "2", "--until-empty"])
        }
        for w in workers { XCTAssertEqual(w.waitForExit(timeout: 60), 0, w.stderr) }
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 200)
        let result = try audit(db)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("verified: 800 rows"), result.stdout)
    }
}
