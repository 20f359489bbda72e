import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// The audit chain (rows sealed one by one by migration 0007, per transaction by 0011) and
/// `sigverify audit`: what a superuser does with the triggers switched off — rewrite, delete or
/// insert one row, drop or reorder a link — is found and the row named.
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

    /// Runs `sql` as the superuser with the user triggers of verdicts, job_events and (since
    /// 0011) chain_links switched off.
    private func tamper(_ db: TestDatabase, _ sql: String) throws {
        let links = try db.scalar("SELECT count(*) FROM pg_catalog.pg_class WHERE oid = to_regclass('sigverify.chain_links')") == 1
        try db.tamper(sql, disabling: ["verdicts", "job_events"] + (links ? ["chain_links"] : []))
    }

    /// The place of a row in the chain (per-row or in a link).
    private func place(_ db: TestDatabase, _ table: String, _ id: Int) throws -> Int {
        try db.scalar("SELECT chain_seq FROM sigverify.chain_places WHERE table_name = $1 AND id = $2", [.text(table), .int(id)])
    }

    /// "table id N (chain seq S)" of the row at place `seq`.
    private func row(_ db: TestDatabase, at seq: Int) throws -> String {
        let r = try db.connect().execute("SELECT table_name, id FROM sigverify.chain_places WHERE chain_seq = $1", [.int(seq)])
        return "\(try r.string(0, "table_name") ?? "?") id \(try r.int(0, "id") ?? -1) (chain seq \(seq))"
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
            SELECT encode(link_hash, 'hex') AS hash FROM sigverify.chain_links
            WHERE first_seq + cardinality(event_ids) + cardinality(verdict_ids) - 1 = $1
            """, [.int(rows)])
        XCTAssertEqual(try stored.string(0, "hash"), head)
        let json = try audit(db, ["--json", "--expect-head", head])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertTrue(json.stdout.contains(#""verified":true"#), json.stdout)
    }

    func testARewrittenVerdictIsNamed() throws {
        let db = try judgedDatabase()
        let id = try db.scalar("SELECT id FROM sigverify.verdicts WHERE verdict = 'invalid' ORDER BY id LIMIT 1")
        let seq = try place(db, "verdicts", id)
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
        let seq = try place(db, "verdicts", id)
        try tamper(db, "UPDATE sigverify.verdicts SET verdict = 'valid', classifier_passed = true WHERE id = \(id)")
        let broken = try ChainAuditor(queue: try db.queue(), pageSize: 3).audit()
        XCTAssertEqual(broken.failure?.table, "verdicts")
        XCTAssertEqual(broken.failure?.id, Int64(id))
        XCTAssertEqual(broken.failure?.seq, Int64(seq))
        XCTAssertTrue(broken.failure?.problem.contains("rewritten") == true, broken.failure?.problem ?? "no failure")
    }

    func testADeletedEventIsFoundAtTheNextPlace() throws {
        let db = try judgedDatabase()
        let seq = try db.scalar("""
            SELECT min(p.chain_seq) FROM sigverify.chain_places p JOIN sigverify.job_events e ON e.id = p.id
            WHERE p.table_name = 'job_events' AND e.to_status = 'running'
            """)
        let id = try db.scalar("SELECT id FROM sigverify.chain_places WHERE table_name = 'job_events' AND chain_seq = $1", [.int(seq)])
        try tamper(db, "DELETE FROM sigverify.job_events WHERE id = \(id)")
        try assertBroken(db, naming: try row(db, at: seq + 1), "chain seq \(seq) missing before it: deleted")
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

    // MARK: Links (migration 0011): one per sealed transaction

    /// The enqueue, the claim and the finish of `judgedDatabase` each sealed one link; a row in
    /// the middle of one is named, not the link.
    func testEachTransactionIsOneLinkAndARewrittenEventMidLinkIsNamed() throws {
        let db = try judgedDatabase()
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.chain_links"), 3)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.chain_pending"), 0)
        let id = try db.scalar("SELECT id FROM sigverify.job_events WHERE to_status = 'succeeded' ORDER BY id OFFSET 2 LIMIT 1")
        let seq = try place(db, "job_events", id)
        XCTAssertGreaterThan(seq, try db.scalar("SELECT max(first_seq) FROM sigverify.chain_links"), "not the link's first row")
        try tamper(db, "UPDATE sigverify.job_events SET reason = 'quietly changed' WHERE id = \(id)")
        try assertBroken(db, naming: "job_events id \(id) (chain seq \(seq))", "rewritten")
    }

    /// A rewritten verdict whose leaf the attacker recomputed in its link too no longer matches the
    /// link's Merkle root; one who also recomputed the root breaks the link hash. Either way the
    /// audit stops at that link.
    func testALeafRecomputedInItsLinkBreaksTheMerkleRootAndARecomputedRootTheLink() throws {
        let db = try judgedDatabase()
        let id = try db.scalar("SELECT id FROM sigverify.verdicts WHERE verdict = 'invalid' ORDER BY id LIMIT 1")
        let first = try db.scalar("SELECT first_seq FROM sigverify.chain_links WHERE $1 = ANY (verdict_ids)", [.int(id)])
        let firstRow = try row(db, at: first)
        // The leaf as migration 0013 computes it (leaf format 2).
        let recomputeLeaf = """
            UPDATE sigverify.verdicts SET verdict = 'valid', classifier_passed = true WHERE id = \(id);
            UPDATE sigverify.chain_links l
            SET leaves = overlay(l.leaves PLACING (SELECT \(Self.binaryLeaf) FROM sigverify.verdicts v WHERE v.id = \(id))
                                 FROM 32 * (cardinality(l.event_ids) + array_position(l.verdict_ids, \(id)::bigint) - 1) + 1 FOR 32)
            WHERE \(id) = ANY (l.verdict_ids)
            """
        try tamper(db, recomputeLeaf)
        try assertBroken(db, naming: firstRow, "do not match their Merkle root: rewritten")
        try tamper(db, """
            UPDATE sigverify.chain_links l
            SET root = sigverify.merkle_root(ARRAY(SELECT substring(l.leaves FROM 32 * (n - 1) + 1 FOR 32)
                                                   FROM generate_series(1, length(l.leaves) / 32) n ORDER BY n))
            WHERE first_seq = \(first)
            """)
        try assertBroken(db, naming: firstRow, "does not match the chain: rewritten or reordered")
    }

    /// A verdict's leaf in format 2 (migration 0013, "THE LEAF, v2"), for `v`.
    private static let binaryLeaf = """
        sha256('\\x00'::bytea || convert_to('verdicts:' || v.id || ':', 'UTF8') || record_send(ROW(
            v.id, v.job_id, v.model_version, v.preprocessing_profile, v.reconstruction_error, v.anomaly_score,
            v.classifier_confidence, v.reconstruction_threshold, v.anomaly_score_min, v.classifier_confidence_min,
            v.reconstruction_passed, v.anomaly_passed, v.classifier_passed, v.verdict, v.worker_id, v.decode_ms,
            v.preprocess_ms, v.verify_ms, v.preprocessed_png, v.created_at, v.image_sha256,
            v.match_score, v.match_passed, v.match_threshold, v.match_model_version, v.match_references,
            v.match_reference_ids, v.match_reason)))
        """

    /// A whole link gone (its rows left in place): the next link's first row is named, with the
    /// places that went missing before it.
    func testADeletedLinkIsFoundAtTheNextLink() throws {
        let db = try judgedDatabase()
        let links = try db.connect().execute("SELECT first_seq FROM sigverify.chain_links ORDER BY first_seq")
        let claim = try links.int(1, "first_seq") ?? -1
        let finish = try links.int(2, "first_seq") ?? -1
        let next = try row(db, at: finish)
        try tamper(db, "DELETE FROM sigverify.chain_links WHERE first_seq = \(claim)")
        try assertBroken(db, naming: next, "chain seq \(claim)–\(finish - 1) missing before it: deleted")
    }

    /// Two links of the same size swapped: each link's hash seals its place and the one before,
    /// so the first moved link is named.
    func testReorderedLinksAreNamed() throws {
        let db = try judgedDatabase()
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.chain_links WHERE first_seq IN (1, 7) AND cardinality(event_ids) = 6"), 2)
        let claimRow = try db.scalar("SELECT event_ids[1] FROM sigverify.chain_links WHERE first_seq = 7")
        try tamper(db, """
            UPDATE sigverify.chain_links SET first_seq = -1 WHERE first_seq = 1;
            UPDATE sigverify.chain_links SET first_seq = 1 WHERE first_seq = 7;
            UPDATE sigverify.chain_links SET first_seq = 7 WHERE first_seq = -1
            """)
        try assertBroken(db, naming: "job_events id \(claimRow) (chain seq 1)", "rewritten or reordered")
    }

    /// A database whose first rows were sealed one by one (before migration 0011): they still
    /// verify, the first link continues their chain, and a rewritten old row is still named.
    func testRowsSealedOneByOneBeforeLinksStayVerified() throws {
        let db = try TestDatabase(migrate: false)
        try Migrator(migrations: try Migrator.bundled().migrations.filter { $0.version <= 10 }).migrate(try db.connect())
        try db.queue().enqueue((0..<3).map { NewJob(image: Script.ok($0)) })
        XCTAssertEqual(try db.scalar("SELECT max(chain_seq) FROM sigverify.job_events"), 3)
        try Migrator.bundled().migrate(try db.connect())
        let queue = try db.queue()
        let claimed = try queue.claim(batchSize: 3, leaseSeconds: 30, workerId: "w")
        _ = try queue.finish(claimed.map { JobResult(job: $0, outcome: .success(QueueTests.verdict(passed: true))) }, workerId: "w")
        XCTAssertEqual(try db.scalar("SELECT min(first_seq) FROM sigverify.chain_links"), 4)
        let clean = try ChainAuditor(queue: try db.queue(), pageSize: 2).audit()
        XCTAssertNil(clean.failure, clean.failure.map(\.description) ?? "")
        XCTAssertEqual(clean.rows, 3 + 3 + 3 + 3)
        XCTAssertEqual(clean.headSeq, 12)
        try tamper(db, "UPDATE sigverify.job_events SET reason = 'rewritten' WHERE chain_seq = 2")
        let broken = try ChainAuditor(queue: try db.queue()).audit()
        XCTAssertEqual(broken.failure?.seq, 2)
        XCTAssertTrue(broken.failure?.problem.contains("rewritten") == true, broken.failure?.problem ?? "no failure")
    }

    /// Links sealed with JSON leaves (0011, as 0012 left them) before migration 0013 and binary
    /// leaves after it: both verify in one audit, and a row rewritten in either kind of link is named.
    func testLinksOfBothLeafFormatsVerifyAndNameARewrittenRow() throws {
        let db = try TestDatabase(migrate: false)
        try Migrator(migrations: try Migrator.bundled().migrations.filter { $0.version <= 12 }).migrate(try db.connect())
        try judge(db, jobs: 2)
        try Migrator.bundled().migrate(try db.connect())
        try judge(db, jobs: 2)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.chain_links WHERE leaf_format = 1"), 3)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.chain_links WHERE leaf_format = 2"), 3)
        let clean = try ChainAuditor(queue: try db.queue(), pageSize: 4).audit()
        XCTAssertNil(clean.failure, clean.failure.map(\.description) ?? "")
        XCTAssertEqual(clean.rows, 16, "twice 2 enqueued, 2 claimed and 2 succeeded events and 2 verdicts")
        let newer = try db.scalar("SELECT max(id) FROM sigverify.verdicts")
        try tamper(db, "UPDATE sigverify.verdicts SET decode_ms = decode_ms + 1e-9 WHERE id = \(newer)")
        try assertBroken(db, naming: "verdicts id \(newer)", "content does not match the leaf sealed for it: rewritten")
        let older = try db.scalar("SELECT min(id) FROM sigverify.verdicts")
        try tamper(db, "UPDATE sigverify.verdicts SET worker_id = 'x' WHERE id = \(older)")
        try assertBroken(db, naming: "verdicts id \(older)", "content does not match the leaf sealed for it: rewritten")
        // (the older link comes first in the chain: the audit stops there)
    }

    /// Verdicts with a match (migration 0012's columns), sealed with JSON leaves before 0013 and
    /// binary leaves after it: a superuser's rewrite of any one match column of either verdict is
    /// named, by the auditor and by `sigverify audit`.
    func testARewrittenMatchColumnIsNamedInBothLeafFormats() throws {
        let db = try TestDatabase(migrate: false)
        try Migrator(migrations: try Migrator.bundled().migrations.filter { $0.version <= 12 }).migrate(try db.connect())
        let match = MatchRecord.scored(0.4, threshold: 0.5, modelVersion: "wm1", referenceIds: [7, 8], newEmbeddings: [])
        try judge(db, jobs: 1, subject: "alice", match: match)
        try Migrator.bundled().migrate(try db.connect())
        try judge(db, jobs: 1, subject: "alice", match: match)
        XCTAssertNil(try ChainAuditor(queue: try db.queue()).audit().failure)
        try db.tamper("CREATE TABLE public.kept AS SELECT * FROM sigverify.verdicts", disabling: [])
        let rewrites = ["match_score = 0.99", "match_passed = NOT match_passed", "match_threshold = 0.1",
                        "match_model_version = 'wm2'", "match_references = match_references + 1",
                        "match_reference_ids = match_reference_ids || 9::bigint", "match_reason = 'none'"]
        for (format, id) in [(1, try db.scalar("SELECT min(id) FROM sigverify.verdicts")),
                             (2, try db.scalar("SELECT max(id) FROM sigverify.verdicts"))] {
            XCTAssertEqual(try db.scalar("SELECT leaf_format FROM sigverify.chain_links WHERE $1 = ANY (verdict_ids)", [.int(id)]), format)
            for rewrite in rewrites {
                try tamper(db, "UPDATE sigverify.verdicts SET \(rewrite) WHERE id = \(id)")
                let broken = try ChainAuditor(queue: try db.queue()).audit().failure
                XCTAssertEqual(broken?.table, "verdicts", "\(rewrite) in leaf format \(format)")
                XCTAssertEqual(broken?.id, Int64(id), "\(rewrite) in leaf format \(format)")
                XCTAssertTrue(broken?.problem.contains("rewritten") == true, "\(rewrite): \(broken?.description ?? "no failure")")
                if rewrite == rewrites[0] { try assertBroken(db, naming: "verdicts id \(id)", "rewritten") }
                try tamper(db, "UPDATE sigverify.verdicts v SET \(rewrite.prefix { $0 != " " }) = k.\(rewrite.prefix { $0 != " " }) "
                               + "FROM public.kept k WHERE v.id = k.id AND v.id = \(id)")
                XCTAssertNil(try ChainAuditor(queue: try db.queue()).audit().failure, "restored after \(rewrite)")
            }
        }
    }

    /// Enqueues `jobs` scans, claims them and writes their verdicts (with `match`, for `subject`):
    /// three links (enqueue, claim, write).
    private func judge(_ db: TestDatabase, jobs: Int, subject: String? = nil, match: MatchRecord? = nil) throws {
        let queue = try db.queue()
        try queue.enqueue((0..<jobs).map { NewJob(image: Script.ok($0), subject: subject) })
        let claimed = try db.claim(queue, batchSize: jobs, workerId: "w")
        let results = claimed.map { job -> JobResult in
            var verdict = QueueTests.verdict(passed: true)
            verdict.match = match
            return JobResult(job: job, outcome: .success(verdict))
        }
        XCTAssertEqual(try queue.finish(results, workerId: "w").succeeded.count, jobs)
    }
}
