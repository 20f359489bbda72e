import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// The shipped `sigverify` binary end to end: migrate, enqueue files, two `work` processes with
/// the committed tiny model, report.
final class EndToEndTests: XCTestCase {
    func testSigverifyWorkersVerifyGoodScansAndFailBrokenOnesWithTheirReason() throws {
        let db = try TestDatabase(migrate: false)
        let env = ["DATABASE_URL": db.url, "SIGVERIFY_LOG_LEVEL": "warning"]
        let migrate = try SpawnedProcess("sigverify", ["migrate"], environment: env)
        XCTAssertEqual(migrate.waitForExit(timeout: 30), 0, migrate.stderr)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sv-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let samples = FixturePaths.packageRoot.appendingPathComponent("samples")
        let page = try Data(contentsOf: samples.appendingPathComponent("page.png"))
        try Data().write(to: dir.appendingPathComponent("empty.png"))
        try page.prefix(300).write(to: dir.appendingPathComponent("truncated.png"))
        try Data("%PDF-1.4 not a scan".utf8).write(to: dir.appendingPathComponent("corrupt.png"))
        try Data([0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xEA, 0x60, 0xEA, 0x60, 0x01, 0x01, 0x11, 0x00,
                  0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]).write(to: dir.appendingPathComponent("oversized.jpg"))
        let good = ["page.png", "scan600_01.jpg", "camera.png", "invalid224_01.png"].map { samples.appendingPathComponent($0).path }
        // Each good scan three times, so two workers have something to share. The empty file is
        // refused at the door (exit status 1); the rest are submitted (without idempotency keys,
        // which would make the repeats one job each).
        let enqueue = try SpawnedProcess("sigverify", ["enqueue", "--allow-duplicates"] + good + good + good + [dir.path],
                                         environment: env)
        XCTAssertEqual(enqueue.waitForExit(timeout: 30), 1, enqueue.stderr)
        XCTAssertTrue(enqueue.stderr.contains("empty.png: empty file"), enqueue.stderr)
        XCTAssertTrue(enqueue.stdout.contains("enqueued 15 scans"), enqueue.stdout)

        let model = FixturePaths.local("model_tiny").path
        let workers = try (0..<2).map { _ in
            try SpawnedProcess("sigverify", ["work", "--model", model, "--batch-size", "4", "--until-empty"], environment: env)
        }
        for w in workers { XCTAssertEqual(w.waitForExit(timeout: 120), 0, w.stderr) }

        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 12)
        XCTAssertEqual(try db.scalar("SELECT count(DISTINCT job_id) FROM sigverify.verdicts"), 12)
        let failed = try db.connect().execute("SELECT filename, attempts, last_error FROM sigverify.jobs WHERE status = 'failed' ORDER BY filename")
        XCTAssertEqual(failed.rows.map { $0[0] }, ["corrupt.png", "oversized.jpg", "truncated.png"])
        XCTAssertEqual(failed.rows.map { $0[1] }, ["1", "1", "1"], "permanent failures are not retried")
        let reasons = failed.rows.map { $0[2] ?? "" }
        XCTAssertTrue(reasons[0].hasPrefix("unsupported format"), reasons[0])
        XCTAssertTrue(reasons[1].hasSuffix("scan is 60000×60000 = 3600.0 MP, over the worker's budget of 25.0 MP (--max-pixels)"),
                      reasons[1])
        XCTAssertTrue(reasons[2].hasPrefix("truncated PNG"), reasons[2])
        // The same scan always gets the same scores, whichever worker verified it.
        XCTAssertEqual(try db.scalar("""
            SELECT count(*) FROM (SELECT j.image_sha256 FROM sigverify.verdicts v JOIN sigverify.jobs j ON j.id = v.job_id
                                  GROUP BY j.image_sha256 HAVING count(DISTINCT v.reconstruction_error) = 1
                                     AND count(DISTINCT v.classifier_confidence) = 1) AS same
            """), 4)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE octet_length(preprocessed_png) > 50"), 12)

        let report = try SpawnedProcess("sigverify", ["report"], environment: env)
        XCTAssertEqual(report.waitForExit(timeout: 30), 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("Recent failures") && report.stdout.contains("truncated PNG"), report.stdout)
        let status = try SpawnedProcess("sigverify", ["status"], environment: env)
        XCTAssertEqual(status.waitForExit(timeout: 30), 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("succeeded │ 12"), status.stdout)
    }
}
