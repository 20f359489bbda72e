import DatabaseTestSupport
import Foundation
import JobQueue
import Logging
import TestSupport
import XCTest

/// Issue 13, finding 7 (part): `report` and `status` print submitter-controlled text through
/// the CLI's `renderTable`, which must not pass terminal escape sequences through; the "latest verdicts"
/// table shows the newest verdicts; an unknown log level is a usage error, not a silent `info`.
final class ReportHardeningTests: XCTestCase {
    func testTablesEscapeControlCharacters() throws {
        let db = try TestDatabase()
        let hostile = "evil\u{1B}]0;owned\u{07}\u{1B}[2Jname\u{9B}31m.png"
        let queue = try db.queue()
        try queue.enqueue([NewJob(image: [1], externalRef: hostile), NewJob(image: [2], externalRef: "plain.png")])
        let jobs = try queue.claim(batchSize: 2, leaseSeconds: 30, workerId: "w")
        _ = try queue.finish(jobs.map { JobResult(job: $0, outcome: .failure(.permanent("broken"))) }, workerId: "w")
        let report = try SpawnedProcess("sigverify", ["report"], environment: ["DATABASE_URL": db.url])
        XCTAssertEqual(report.waitForExit(timeout: 60), 0, report.stderr)
        let table = report.stdout
        XCTAssertFalse(table.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }, table)
        XCTAssertTrue(table.contains("evil\\u{1b}]0;owned\\u{7}\\u{1b}[2Jname\\u{9b}31m.png"), table)
        XCTAssertTrue(table.contains("plain.png"))
    }

    func testReportShowsTheNewestVerdictsFirst() throws {
        let db = try TestDatabase()
        let queue = try JobQueue(url: db.url, logger: Logger(label: "test"))
        let png = [UInt8](try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples/page.png")))
        for i in 0..<60 { _ = try queue.enqueueScan(png, externalRef: "scan-\(i)") }
        let work = try SpawnedProcess("sigverify", ["work", "--model", FixturePaths.local("model_tiny").path, "--until-empty"],
                                      environment: ["DATABASE_URL": db.url, "SIGVERIFY_LOG_LEVEL": "warning"])
        XCTAssertEqual(work.waitForExit(timeout: 120), 0, work.stderr)
        let report = try SpawnedProcess("sigverify", ["report"], environment: ["DATABASE_URL": db.url])
        XCTAssertEqual(report.waitForExit(timeout: 60), 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("scan-59"), "the newest verdict is listed")
        XCTAssertFalse(report.stdout.contains("scan-0 "), "the oldest of 60 is not among the latest 50")
    }

    func testUnknownLogLevelIsAUsageError() throws {
        try SpawnedProcess.assertUsageError(["status", "--log-level", "loud"], mentions: "unknown log level 'loud'")
        try SpawnedProcess.assertUsageError(["status"], environment: ["SIGVERIFY_LOG_LEVEL": "verbose"], mentions: "$SIGVERIFY_LOG_LEVEL")
    }
}
