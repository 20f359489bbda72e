import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// Migration 0009's idempotency keys through the library: a repeated key returns its job, a key
/// reused for other content is refused, concurrent submissions of one key get one job; and the
/// typed status rows (`lost` workers).
final class IdempotencyKeyTests: XCTestCase {
    func testARepeatedKeyReturnsTheExistingJobAndWritesNothing() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let first = try queue.submit([NewJob(image: [1, 2], externalRef: "crm-1", idempotencyKey: .given("crm-1")),
                                      NewJob(image: [3], idempotencyKey: .derived),
                                      NewJob(image: [1, 2], externalRef: "crm-1 again", idempotencyKey: .given("crm-1"))])
        XCTAssertEqual(first.map(\.created), [true, true, false])
        XCTAssertEqual(first[2].id, first[0].id, "the same key within one statement")
        let again = try queue.submit([NewJob(image: [3], idempotencyKey: .derived), NewJob(image: [4])])
        XCTAssertEqual(again.map(\.created), [false, true])
        XCTAssertEqual(again[0].id, first[1].id)
        XCTAssertEqual(try queue.enqueueScan([1, 2], idempotencyKey: "crm-1"), first[0].id)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 3)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events"), 3)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE idempotency_key LIKE 'sha256:%'"), 1)
    }

    func testAKeyReusedForOtherBytesOrAnotherPageIsRefused() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let id = try queue.enqueueScan([1], idempotencyKey: "k")
        for job in [NewJob(image: [2], idempotencyKey: .given("k")), NewJob(image: [1], page: 1, idempotencyKey: .given("k"))] {
            XCTAssertThrowsError(try queue.enqueue([NewJob(image: [9]), job])) { error in
                XCTAssertEqual((error as? PostgresError)?.sqlState, "23505", "\(error)")
                XCTAssertTrue("\(error)".contains("idempotency key \"k\" already names job \(id), a different scan"), "\(error)")
            }
        }
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 1, "the whole call rolled back")
        XCTAssertThrowsError(try db.connect().execute("UPDATE sigverify.jobs SET idempotency_key = 'other'")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42501", "\(error)")
        }
    }

    func testConcurrentSubmissionsOfOneKeyGetOneJob() throws {
        let db = try TestDatabase()
        let holder = try db.connect()
        try holder.executeScript("BEGIN")
        let held = try holder.execute("SELECT job_id FROM sigverify.submit_scan('\\x01'::bytea, idempotency_key => 'race')")
        let second = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<[EnqueuedJob], PostgresError>?
        let url = db.url
        Thread.detachNewThread {
            result = Result { () throws(PostgresError) in try JobQueue(url: url).submit([NewJob(image: [1], idempotencyKey: .given("race"))]) }
            second.signal()
        }
        XCTAssertEqual(second.wait(timeout: .now() + 1), .timedOut, "the second submission waits for the first")
        try holder.executeScript("COMMIT")
        XCTAssertEqual(second.wait(timeout: .now() + 30), .success)
        let job = try result?.get().first
        XCTAssertEqual(job, EnqueuedJob(id: Int64(try held.int(0, "job_id") ?? -1), created: false))
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 1)
    }

    func testStatusRowsNameLostWorkers() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        for id in ["alive-w", "killed-w", "stopped-w"] {
            try queue.registerWorker(id: id, hostname: "h", pid: 1, concurrency: 1, modelVersion: "m")
        }
        try queue.markWorkerStopped(id: "stopped-w")
        try db.connect().execute("UPDATE sigverify.workers SET last_heartbeat_at = now() - interval '100 seconds' WHERE worker_id = 'killed-w'")
        let states = Dictionary(uniqueKeysWithValues: try queue.status().workers.map { ($0.workerId, $0.state) })
        XCTAssertEqual(states, ["alive-w": .running, "killed-w": .lost, "stopped-w": .stopped])
        let lenient = try queue.status(lostAfterSeconds: 120).workers.first { $0.workerId == "killed-w" }
        XCTAssertEqual(lenient?.state, .running)
        XCTAssertEqual(lenient?.heartbeatAgeSeconds ?? 0, 100, accuracy: 5)
    }
}
