import DatabaseTestSupport
import Foundation
import TestSupport
import XCTest

/// `--log-format json` and `$SIGVERIFY_LOG_FORMAT` on the database commands, run as the shipped binary.
final class LogFormatProcessTests: XCTestCase {
    func testJSONLogLinesAreObjectsWithTheDocumentedKeys() throws {
        let db = try TestDatabase()
        let page = try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples/page.png"))
        _ = try db.queue().enqueueScan([UInt8](page), externalRef: "a \"quoted\"\nref")
        // A worker at debug level logs its start, the claim (with metadata) and the verdict.
        let work = try SpawnedProcess("sigverify", ["work", "--until-empty", "--model", FixturePaths.local("model_tiny").path,
                                                    "--log-format", "json", "--log-level", "debug"],
                                      environment: ["DATABASE_URL": db.url])
        XCTAssertEqual(work.waitForExit(timeout: 60), 0, work.stderr)
        let lines = work.stderr.split(separator: "\n").filter { !$0.hasPrefix("OpenBLAS") }
        XCTAssertGreaterThan(lines.count, 1, work.stderr)
        for line in lines {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
            for key in ["timestamp", "level", "label", "message"] {
                XCTAssertNotNil(object[key] as? String, "no string \(key) in \(line)")
            }
            XCTAssertTrue(object.values.allSatisfy { $0 is String }, "non-string field in \(line)")
            let timestamp = try XCTUnwrap(object["timestamp"] as? String)
            XCTAssertNotNil(try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(timestamp), timestamp)
            XCTAssertTrue(timestamp.hasSuffix("Z"), timestamp)
        }
        let claimed = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .first { $0["message"] as? String == "claimed" }
        XCTAssertEqual(claimed?["level"] as? String, "debug", work.stderr)
        XCTAssertNotNil(claimed?["worker"] as? String, "metadata not flattened: \(work.stderr)")
    }

    func testUnknownLogFormatIsAUsageError() throws {
        try SpawnedProcess.assertUsageError(["status", "--log-format", "yaml"], mentions: "unknown log format 'yaml'")
        try SpawnedProcess.assertUsageError(["migrate"], environment: ["SIGVERIFY_LOG_FORMAT": "xml"], mentions: "$SIGVERIFY_LOG_FORMAT")
    }
}
