import DatabaseTestSupport
import Foundation
import JobQueue
import ScanPipeline
import TestSupport
import Worker
import XCTest

/// The database path of issue 22 with a real worker, the default model and real PostgreSQL:
/// references enrolled and judged by the worker, questioned scans with and without a subject, the
/// match written on exactly the subject's verdicts (with `TestMatcher`, the test target's
/// deterministic matcher), embeddings cached, and the audit chain verifying afterwards.
final class WorkerMatchTests: XCTestCase {
    private func sample(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples").appendingPathComponent(name)))
    }

    /// One worker run until the queue is empty, as a `sigverify_worker` login.
    private func work(_ db: TestDatabase, matcher: (any SubjectMatcher)?) throws {
        let login = try TestLogin(db, memberOf: "sigverify_worker")
        defer { withExtendedLifetime(login) {} }
        let scanVerifier = try ScanVerifier(modelFolder: FixturePaths.packageRoot.appendingPathComponent("models/default"))
        let config = WorkerConfiguration(databaseURL: login.url, pollInterval: 0.2, untilEmpty: true, retryPolicy: .immediate)
        let summary = try Worker(configuration: config,
                                 processor: VerifyingScanProcessor(scanVerifier: scanVerifier, matcher: matcher)).run()
        XCTAssertEqual(summary.failed, 0)
    }

    /// (job id, match_score, match_references, match_reason) of every verdict, by job id.
    private func matches(_ db: TestDatabase) throws -> [(job: Int64, score: Double?, references: Int?, reason: String?)] {
        let r = try db.connect().execute("""
            SELECT job_id, match_score, match_references, match_reason FROM sigverify.verdicts ORDER BY job_id
            """)
        return try (0..<r.count).map { i in
            (Int64(try r.int(i, "job_id") ?? 0), try r.double(i, "match_score"), try r.int(i, "match_references"), try r.string(i, "match_reason"))
        }
    }

    func testTheWorkerMatchesExactlyTheSubjectsVerdictsAndTheChainVerifies() throws {
        let db = try TestDatabase()
        let enrollerLogin = try TestLogin(db, memberOf: "sigverify_enroller")
        defer { withExtendedLifetime(enrollerLogin) {} }
        let enroller = try enrollerLogin.queue()
        let references = ["camera.png", "scan600_04.png", "scan1500_00.jpg", "aug1200_00.png", "page.png"]
        let enrolled = try references.map { try enroller.enrol(subject: "alice", image: try sample($0), filename: $0) }
        try work(db, matcher: nil)
        let statuses = try db.queue().referenceStatuses(subject: "alice")
        XCTAssertEqual(statuses.map(\.id), enrolled.map(\.referenceId))
        // The default model's verdicts on these samples (`sigverify verify samples/…`): camera and page
        // fail the classifier.
        XCTAssertEqual(statuses.map(\.status), ["refused", "active", "active", "active", "refused"], "\(statuses)")
        XCTAssertEqual(statuses.map(\.reason), ["not a signature: failed classifier", nil, nil, nil,
                                                "not a signature: failed classifier"])
        let active = statuses.filter { $0.status == "active" }.map(\.id)

        let enqueuerLogin = try TestLogin(db, memberOf: "sigverify_enqueuer")

        defer { withExtendedLifetime(enqueuerLogin) {} }
        let enqueuer = try enqueuerLogin.queue()
        let questioned = try enqueuer.enqueue([NewJob(image: try sample("scan600_01.jpg"), subject: "alice"),
                                               NewJob(image: try sample("scan600_04.png"), subject: "alice"),
                                               NewJob(image: try sample("scan600_04.png"), externalRef: "no subject"),
                                               NewJob(image: try sample("scan600_01.jpg"), subject: "bob")])
        let matcher = TestMatcher()
        try work(db, matcher: matcher)
        let rows = Dictionary(uniqueKeysWithValues: try matches(db).map { ($0.job, $0) })
        for id in enrolled.map(\.checkJobId) + [questioned[2]] {
            XCTAssertNil(rows[id]?.score)
            XCTAssertNil(rows[id]?.reason, "job \(id) has no subject")
        }
        for id in questioned.prefix(2) {
            let score = try XCTUnwrap(rows[id]?.score, "job \(id)")
            XCTAssertTrue((0...1).contains(score))
            XCTAssertEqual(rows[id]?.references, active.count)
        }
        XCTAssertEqual(rows[questioned[3]]?.reason, MatchRecord.noReferences)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.reference_embeddings WHERE model_version = 'test-matcher-1'"), active.count)
        XCTAssertEqual(matcher.embeddedCount, active.count + 2, "each active reference embedded once, then the two questioned scans")

        // A second subject job: the cached embeddings are used, nothing is recomputed for them.
        _ = try enqueuer.enqueue([NewJob(image: try sample("scan600_04.png"), externalRef: "again", subject: "alice")])
        let second = TestMatcher()
        try work(db, matcher: second)
        XCTAssertEqual(second.embeddedCount, 1)
        // Without a writer model: the verdict, and the reason.
        let unmatched = try enqueuer.enqueue([NewJob(image: try sample("scan1500_00.jpg"), subject: "alice")])
        try work(db, matcher: nil)
        XCTAssertEqual(try matches(db).last?.job, unmatched[0])
        XCTAssertEqual(try matches(db).last?.reason, MatchRecord.noWriterModel)
        let audit = try ChainAuditor(queue: try db.queue()).audit()
        XCTAssertNil(audit.failure, audit.failure.map(\.description) ?? "")
    }
}
