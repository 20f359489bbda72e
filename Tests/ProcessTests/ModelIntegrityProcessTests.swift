import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// The shipped binary with damaged bundles: a clear message and exit status, never a backtrace
/// or a NaN verdict; and a worker that refuses to start on a model it was not told to run.
final class ModelIntegrityProcessTests: XCTestCase {
    private let page = FixturePaths.packageRoot.appendingPathComponent("samples/page.png").path
    private let tinyVersion = "068bf79a559bf9ea"

    private func damagedCopy(_ damage: (URL) throws -> Void) throws -> URL {
        let folder = try DamagedBundles.tinyCopy()
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        try damage(folder)
        return folder
    }

    func testVerifyReportsAHugeInputShapeInsteadOfCrashing() throws {
        let folder = try damagedCopy { folder in
            let url = folder.appendingPathComponent("parameters.json")
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: "32,\n  32,", with: "100000,\n  100000,").write(to: url, atomically: true, encoding: .utf8)
        }
        let verify = try SpawnedProcess("sigverify", ["verify", "--model", folder.path, page])
        XCTAssertEqual(verify.waitForExit(timeout: 60), 1, verify.stderr)
        XCTAssertTrue(verify.stderr.contains("input_shape [100000, 100000, 1]"), verify.stderr)
    }

    func testVerifyPrintsAnErrorForANaNScoreInsteadOfAVerdict() throws {
        let folder = try damagedCopy { try DamagedBundles.poisonClassifier(in: $0) }
        let json = try SpawnedProcess("sigverify", ["verify", "--json", "--model", folder.path, page])
        XCTAssertEqual(json.waitForExit(timeout: 60), 1, json.stderr)
        XCTAssertFalse(json.stdout.contains("\"verdict\""), json.stdout)
        XCTAssertTrue(json.stdout.contains("non-finite"), json.stdout)
        let table = try SpawnedProcess("sigverify", ["verify", "--model", folder.path, page])
        XCTAssertEqual(table.waitForExit(timeout: 60), 1, table.stderr)
        XCTAssertTrue(table.stdout.contains("error") && !table.stdout.contains("invalid"), table.stdout)
    }

    func testWorkRefusesToStartOnAnotherModelVersion() throws {
        let model = FixturePaths.local("model_tiny").path
        // No database behind this URL: the refusal must come before any connection.
        let work = try SpawnedProcess("sigverify", ["work", "--model", model, "--expect-model-version", "0123456789abcdef",
                                                    "--database-url", "postgresql://nobody@127.0.0.1:1/none"])
        XCTAssertEqual(work.waitForExit(timeout: 60), 1, work.stderr)
        let lines = work.stderr.split(separator: "\n").filter { !$0.contains("OpenBLAS") }
        XCTAssertEqual(lines.count, 1, work.stderr)
        XCTAssertTrue(lines.first?.contains(tinyVersion) == true && lines.first?.contains("0123456789abcdef") == true, work.stderr)
    }

    func testWorkStartsOnTheExpectedModelVersion() throws {
        let db = try TestDatabase()
        let work = try SpawnedProcess("sigverify", ["work", "--model", FixturePaths.local("model_tiny").path,
                                                    "--expect-model-version", tinyVersion, "--until-empty"],
                                      environment: ["DATABASE_URL": db.url, "SIGVERIFY_LOG_LEVEL": "warning"])
        XCTAssertEqual(work.waitForExit(timeout: 60), 0, work.stderr)
    }
}
