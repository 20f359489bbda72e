import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// One oversized scan must not stop the fleet: the table refuses new ones at the door, and a worker
/// fails an old one (inserted before the limit existed) with its reason while the rest get verdicts.
final class ScanSizeLimitTests: XCTestCase {
    static let limit = 64 << 20

    /// A database migrated up to (and including) `version`, as a deployment that predates the limit.
    private func database(migratedTo version: Int) throws -> TestDatabase {
        let db = try TestDatabase(migrate: false)
        let older = try Migrator.bundled().migrations.filter { $0.version <= version }
        try Migrator(migrations: older).migrate(try db.connect())
        return db
    }

    private func assertRefused(_ db: TestDatabase, _ sql: String, _ expected: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try db.connect().execute(sql), sql, file: file, line: line) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "23514", "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(expected), "\(error) does not say \(expected)", file: file, line: line)
        }
    }

    func testAScanOver512MiBInTheQueueFailsItsOwnJobAndTheWorkerExitsZero() throws {
        // A row inserted before migration 0005, too big for PostgreSQL to return as hex text.
        let db = try database(migratedTo: 4)
        let queue = try db.queue()
        try queue.enqueue((0..<5).map { NewJob(image: Script.ok($0), externalRef: "before-\($0)") })
        let huge = 520 << 20
        try db.connect().execute("""
            INSERT INTO sigverify.jobs (image, external_ref) SELECT convert_to(repeat('x', $1::int), 'UTF8'), 'huge'
            """, [.int(huge)])
        try queue.enqueue((0..<5).map { NewJob(image: Script.ok($0), externalRef: "after-\($0)") })
        try Migrator.bundled().migrate(try db.connect())

        let worker = try SpawnedProcess("QueueTestWorker", ["--database-url", db.url, "--batch-size", "8", "--until-empty"])
        XCTAssertEqual(worker.waitForExit(timeout: 60), 0, worker.stderr)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 10, "every good job got its verdict")
        let failed = try db.connect().execute("SELECT external_ref, attempts, last_error FROM sigverify.jobs WHERE status = 'failed'")
        XCTAssertEqual(failed.rows, [["huge", "1", "scan too large: \(huge) bytes exceeds the limit of \(Self.limit) bytes"]])
    }

    func testClaimFetchesScansInBinaryAndLeavesOversizedOnesBehindWithTheirReason() throws {
        let db = try database(migratedTo: 4)
        let queue = try db.queue()
        let everyByte = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let ids = try queue.enqueue([NewJob(image: everyByte), NewJob(image: Array(repeating: 1, count: 5001)), NewJob(image: [0])])
        try db.connect().execute("INSERT INTO sigverify.jobs (external_ref) VALUES ('no bytes')")  // allowed before 0005
        try Migrator.bundled().migrate(try db.connect())

        let jobs = try queue.claim(batchSize: 10, leaseSeconds: 30, workerId: "w", maxScanBytes: 5000)
        XCTAssertEqual(jobs.count, 4)
        XCTAssertEqual(jobs[0].id, ids[0])
        XCTAssertEqual(jobs[0].imageFailure, .tooLarge(bytes: 300_000, limit: 5000))
        XCTAssertNil(jobs[0].image, "an oversized scan is never fetched")
        XCTAssertEqual(jobs[1].imageFailure, .tooLarge(bytes: 5001, limit: 5000))
        XCTAssertEqual(jobs[2].image, [0])
        XCTAssertNil(jobs[3].image)
        XCTAssertNil(jobs[3].imageFailure, "no bytes at all is the worker's own case")

        try db.connect().execute("UPDATE sigverify.jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL")
        let again = try queue.claim(batchSize: 10, leaseSeconds: 30, workerId: "w")
        XCTAssertEqual(again[0].image, everyByte, "bytea arrives binary-exact")
        XCTAssertEqual(again[1].image?.count, 5001)
        XCTAssertTrue(again.allSatisfy { $0.imageFailure == nil })
    }

    func testEnqueueScanRefusesEmptyNullAndOversizedImages() throws {
        let db = try TestDatabase()
        assertRefused(db, "SELECT sigverify.enqueue_scan('\\x'::bytea)", "scan refused: the image is empty (0 bytes)")
        assertRefused(db, "SELECT sigverify.enqueue_scan(NULL::bytea)", "scan refused: the image is NULL")
        assertRefused(db, "SELECT sigverify.enqueue_scan(convert_to(repeat('x', \(Self.limit + 1)), 'UTF8'))",
                      "scan refused: \(Self.limit + 1) bytes is over the limit of \(Self.limit) bytes (64 MiB)")
        // The table itself refuses, whichever way a row arrives.
        assertRefused(db, "INSERT INTO sigverify.jobs (external_ref) VALUES ('no image')", "the image is NULL")
        XCTAssertThrowsError(try db.queue().enqueue([NewJob(image: [1]), NewJob(image: [])]), "a batch with an empty scan")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 0, "nothing refused was stored")

        let atLimit = try db.scalar("SELECT sigverify.enqueue_scan(convert_to(repeat('x', \(Self.limit)), 'UTF8'))")
        XCTAssertEqual(try db.scalar("SELECT image_size FROM sigverify.jobs WHERE id = $1", [.int(atLimit)]), Self.limit)
        XCTAssertEqual(try db.scalar("SELECT sigverify.max_scan_bytes()"), Self.limit)
        assertRefused(db, "UPDATE sigverify.jobs SET image = '\\x'::bytea", "the image is empty")
    }

    func testEnqueueCommandRefusesOversizedAndEmptyFilesAndSubmitsTheRest() throws {
        let db = try TestDatabase()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sv-limit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = dir.appendingPathComponent("big.png"), empty = dir.appendingPathComponent("empty.png")
        XCTAssertTrue(FileManager.default.createFile(atPath: big.path, contents: nil))
        try FileHandle(forWritingTo: big).truncate(atOffset: UInt64(Self.limit + 1))  // sparse: no disk used
        try Data().write(to: empty)
        let good = FixturePaths.packageRoot.appendingPathComponent("samples/page.png").path

        let enqueue = try SpawnedProcess("sigverify", ["enqueue", big.path, good, empty.path],
                                         environment: ["DATABASE_URL": db.url, "SIGVERIFY_LOG_LEVEL": "warning"])
        XCTAssertEqual(enqueue.waitForExit(timeout: 30), 1, "refusals make the exit status 1: \(enqueue.stderr)")
        XCTAssertTrue(enqueue.stderr.contains("refused \(big.path): \(Self.limit + 1) bytes is over the limit of \(Self.limit) bytes"),
                      enqueue.stderr)
        XCTAssertTrue(enqueue.stderr.contains("refused \(empty.path): empty file"), enqueue.stderr)
        XCTAssertTrue(enqueue.stdout.contains("enqueued 1 scans"), enqueue.stdout)
        let stored = try db.connect().execute("SELECT external_ref FROM sigverify.jobs")
        XCTAssertEqual(stored.rows, [[good]], "only the good scan was stored")
    }
}
