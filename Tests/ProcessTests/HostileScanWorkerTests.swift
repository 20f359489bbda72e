import DatabaseTestSupport
import Foundation
import Imaging
import JobQueue
import TestSupport
import XCTest

/// Issue 19 end to end: `sigverify work` with a small decode budget on a queue of good scans and
/// hostile ones (progressive-JPEG bombs, a 1×1,000,000 PNG). The hostile scans fail their own jobs
/// within seconds with the budget's reason, once; every good scan gets its verdict on its first
/// attempt.
final class HostileScanWorkerTests: XCTestCase {
    private static func jpegBomb(side: Int, extraScans: Int) throws -> Data {
        let jpeg = try JPEGEncoder.encode(GrayImage(width: side, height: side, filledWith: 200), progressive: true)
        return Data(try XCTUnwrap(HostileScans.repeatingLastScan(of: jpeg, extraScans: extraScans)))
    }

    func testBombsFailTheirOwnJobsAndEveryGoodScanGetsAVerdictOnItsFirstAttempt() throws {
        let db = try TestDatabase()
        let env = ["DATABASE_URL": db.url, "SIGVERIFY_LOG_LEVEL": "warning"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sv-hostile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.jpegBomb(side: 3000, extraScans: 900).write(to: dir.appendingPathComponent("bomb-slow-1.jpg"))
        try Self.jpegBomb(side: 2999, extraScans: 900).write(to: dir.appendingPathComponent("bomb-slow-2.jpg"))
        try Self.jpegBomb(side: 256, extraScans: 5000).write(to: dir.appendingPathComponent("bomb-scans.jpg"))
        try Data(try PNGEncoder.encode(GrayImage(width: 1, height: 1_000_000, filledWith: 0)))
            .write(to: dir.appendingPathComponent("thin.png"))
        let samples = FixturePaths.packageRoot.appendingPathComponent("samples")
        let good = ["page.png", "scan600_01.jpg", "camera.png", "invalid224_01.png"].map { samples.appendingPathComponent($0).path }
        let enqueue = try SpawnedProcess("sigverify", ["enqueue"] + good + [dir.path], environment: env)
        XCTAssertEqual(enqueue.waitForExit(timeout: 30), 0, enqueue.stderr)

        let start = Date()
        let worker = try SpawnedProcess("sigverify", ["work", "--model", FixturePaths.local("model_tiny").path,
                                                      "--batch-size", "8", "--max-decode-seconds", "1", "--until-empty"],
                                        environment: env)
        XCTAssertEqual(worker.waitForExit(timeout: 120), 0, worker.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30, "one batch: two 1 s decode budgets and four good scans")

        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'succeeded' AND attempts = 1"), 4)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 4)
        let failed = try db.connect().execute(
            "SELECT filename, attempts, last_error FROM sigverify.jobs WHERE status = 'failed' ORDER BY filename")
        XCTAssertEqual(failed.rows.map { $0[0] }, ["bomb-scans.jpg", "bomb-slow-1.jpg", "bomb-slow-2.jpg", "thin.png"])
        XCTAssertEqual(failed.rows.map { $0[1] }, ["1", "1", "1", "1"], "permanent: never retried")
        let reasons = failed.rows.map { $0[2] ?? "" }
        XCTAssertTrue(reasons[0].contains("progressive JPEG with over 1000 scans"), reasons[0])
        for reason in reasons[1...2] {
            XCTAssertTrue(reason.hasPrefix("JPEG decode stopped after "), reason)
            XCTAssertTrue(reason.hasSuffix("over the worker's budget of 1 s (--max-decode-seconds)"), reason)
        }
        XCTAssertTrue(reasons[3].contains("aspect ratio 1000000:1 is over 100:1"), reasons[3])
    }

    /// `verify` has the worker's budget, with the worker's defaults (25 MP, 20 s) and options.
    func testVerifyAppliesTheWorkersBudget() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sv-hostile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bomb = dir.appendingPathComponent("bomb.jpg"), thin = dir.appendingPathComponent("thin.png")
        let oversized = dir.appendingPathComponent("oversized.png")
        try Self.jpegBomb(side: 3000, extraScans: 900).write(to: bomb)
        try Data(try PNGEncoder.encode(GrayImage(width: 1, height: 1_000_000, filledWith: 0))).write(to: thin)
        try Data(try PNGEncoder.encode(GrayImage(width: 6000, height: 5000, filledWith: 255))).write(to: oversized)
        let good = FixturePaths.packageRoot.appendingPathComponent("samples/scan600_01.jpg")
        let model = FixturePaths.local("model_tiny").path

        let start = Date()
        let verify = try SpawnedProcess("sigverify", ["verify", "--json", "--model", model, "--max-decode-seconds", "1",
                                                      bomb.path, thin.path, oversized.path, good.path])
        XCTAssertEqual(verify.waitForExit(timeout: 60), 1, verify.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 15)
        let lines = verify.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, verify.stdout)
        guard lines.count == 4 else { return }
        XCTAssertTrue(lines[0].contains("JPEG decode stopped after ") && lines[0].contains("(--max-decode-seconds)"), lines[0])
        XCTAssertTrue(lines[1].contains("aspect ratio 1000000:1 is over 100:1"), lines[1])
        XCTAssertTrue(lines[2].contains("scan is 6000×5000 = 30.0 MP, over the worker's budget of 25.0 MP (--max-pixels)"), lines[2])
        XCTAssertTrue(lines[3].contains("\"verdict\""), lines[3])
    }
}
