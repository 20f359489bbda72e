import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// One job whose result cannot be written (here: it already has a verdict, as when an operator
/// re-queued a judged job behind the triggers' back) must not take its batch-mates down with it.
final class BatchIsolationTests: XCTestCase {
    /// As the table owner: gives a queued job a verdict row, as a re-queue of a judged job leaves it.
    private func plantVerdict(_ db: TestDatabase, job: Int64) throws {
        try db.connect().execute("""
            INSERT INTO sigverify.verdicts (job_id, model_version, preprocessing_profile, reconstruction_error,
                anomaly_score, classifier_confidence, reconstruction_threshold, anomaly_score_min,
                classifier_confidence_min, reconstruction_passed, anomaly_passed, classifier_passed, verdict,
                worker_id, decode_ms, preprocess_ms, verify_ms, preprocessed_png)
            VALUES ($1, 'old', 'seed', 0, 0, 1, 1, 0, 0.5, true, true, true, 'valid', 'earlier-worker', 0, 0, 0, '\\x00')
            """, [.int(job)])
    }

    func testAVerdictConflictFailsThatJobAloneAndTheRestAreWritten() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue((0..<5).map { NewJob(image: Script.ok($0)) })
        try plantVerdict(db, job: ids[2])
        let claimed = try queue.claim(batchSize: 10, leaseSeconds: 30, workerId: "w")
        XCTAssertEqual(claimed.map(\.id), ids)
        let results = claimed.map { JobResult(job: $0, outcome: .success(QueueTests.verdict())) }
        let summary = try queue.finish(results, workerId: "w")
        XCTAssertEqual(summary.succeeded, ids.filter { $0 != ids[2] })
        XCTAssertEqual(summary.failed, [ids[2]])
        let row = try db.connect().execute("SELECT status, last_error FROM sigverify.jobs WHERE id = $1", [.int(ids[2])])
        XCTAssertEqual(try row.string(0, "status"), "failed")
        let reason = try row.string(0, "last_error") ?? ""
        XCTAssertTrue(reason.contains("23505"), reason)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE worker_id = 'w'"), 4)
    }

    func testTheWorkerKeepsRunningPastAJobThatCannotBeWritten() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue((0..<12).map { NewJob(image: Script.ok($0)) })
        try plantVerdict(db, job: ids[3])
        let start = Date()
        let w = try SpawnedProcess("QueueTestWorker", ["--database-url", db.url, "--batch-size", "6",
                                                       "--lease-seconds", "5", "--until-empty"])
        XCTAssertEqual(w.waitForExit(timeout: 30), 0, w.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "batch-mates are written at once, not after a lease")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'succeeded'"), 11)
        XCTAssertEqual(try db.scalar("SELECT attempts FROM sigverify.jobs WHERE id = $1", [.int(ids[3])]), 1)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'succeeded' AND attempts > 1"), 0,
                       "no batch-mate burnt an attempt")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE id = $1 AND status = 'failed'", [.int(ids[3])]), 1)
    }
}
