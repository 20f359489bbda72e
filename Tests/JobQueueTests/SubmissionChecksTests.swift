import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// Issue 13, finding 7 (parts): what `enqueue_scan` accepts, and what `status` says about a worker
/// that was killed (kill -9: no clean stop, the heartbeat just ends).
final class SubmissionChecksTests: XCTestCase {
    private func assertRefused(_ db: TestDatabase, _ sql: String, _ params: [PostgresValue?] = [], state: String = "23514",
                               saying expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try db.connect().execute(sql, params), sql, file: file, line: line) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, state, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(expected), "\(error) does not say \(expected)", file: file, line: line)
        }
    }

    /// Already true since migration 0005 (checked here, as the issue asked).
    func testNullAndEmptyImagesAreRefused() throws {
        let db = try TestDatabase()
        assertRefused(db, "SELECT sigverify.enqueue_scan(NULL)", saying: "scan refused: the image is NULL")
        assertRefused(db, "SELECT sigverify.enqueue_scan(''::bytea)", saying: "scan refused: the image is empty (0 bytes)")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 0)
    }

    func testMetadataMustBeAJSONObject() throws {
        let db = try TestDatabase()
        for (json, kind) in [("[1, 2]", "array"), ("\"batch-7\"", "string"), ("42", "number"), ("null", "null")] {
            assertRefused(db, "SELECT sigverify.enqueue_scan('\\x01'::bytea, metadata => $1::jsonb)", [.text(json)],
                          saying: "metadata must be a JSON object, not \(kind)")
        }
        XCTAssertNoThrow(try db.queue().enqueueScan([1], metadataJSON: #"{"batch": 7}"#))
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 1)
    }

    func testEnqueueRefusesNonObjectMetadataBeforeConnecting() throws {
        try SpawnedProcess.assertUsageError(["enqueue", "--metadata", "[1]", "samples/page.png"],
                                            mentions: "--metadata must be a JSON object")
    }

    func testAnExternalRefOverTheLimitIsRefusedWithAReadableMessage() throws {
        let db = try TestDatabase()
        // 3000 bytes that do not compress: over the btree's row limit (~2.7 KB), which used to
        // answer for it ("index row size 3016 exceeds btree version 4 maximum 2704").
        var generator = SystemRandomNumberGenerator()
        let incompressible = String((0..<3000).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement(using: &generator)! })
        assertRefused(db, "SELECT sigverify.enqueue_scan('\\x01'::bytea, $1)", [.text(incompressible)],
                      saying: "external_ref is 3000 bytes, over the limit of 1024 bytes")
        // The limit is in bytes: 513 two-byte characters are 1026 bytes.
        assertRefused(db, "SELECT sigverify.enqueue_scan('\\x01'::bytea, $1)", [.text(String(repeating: "é", count: 513))],
                      saying: "external_ref is 1026 bytes")
        XCTAssertNoThrow(try db.queue().enqueueScan([1], externalRef: String(repeating: "r", count: 1024)))
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 1)
    }

    /// Workers as `sigverify status` lists them: a live one, one killed (heartbeat aged beyond
    /// 3 × the lease) and one stopped cleanly.
    private func threeWorkers(_ db: TestDatabase) throws {
        let queue = try db.queue()
        for id in ["alive-w", "killed-w", "stopped-w"] {
            try queue.registerWorker(id: id, hostname: "h", pid: 1, concurrency: 1, modelVersion: "m")
        }
        try queue.markWorkerStopped(id: "stopped-w")
        try db.connect().execute("UPDATE sigverify.workers SET last_heartbeat_at = now() - interval '5 minutes' WHERE worker_id = 'killed-w'")
    }

    func testStatusShowsAWorkerWithoutHeartbeatAsLost() throws {
        let db = try TestDatabase()
        try threeWorkers(db)
        let status = try SpawnedProcess("sigverify", ["status"], environment: ["DATABASE_URL": db.url])
        XCTAssertEqual(status.waitForExit(timeout: 30), 0, status.stderr)
        let lines = status.stdout.split(separator: "\n")
        func state(_ worker: String) -> [String] {
            lines.filter { $0.hasPrefix(worker) }.map { $0.split(separator: "│").map { $0.trimmingCharacters(in: .whitespaces) }[6] }
        }
        XCTAssertEqual(state("alive-w"), ["running"], status.stdout)
        XCTAssertEqual(state("killed-w"), ["lost"], status.stdout)
        XCTAssertEqual(state("stopped-w"), ["stopped"], status.stdout)
    }
}
