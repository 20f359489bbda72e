import DatabaseTestSupport
import Foundation
import TestSupport
import XCTest

/// `sigverify compare` as the shipped binary, with the committed writer model and the default model on
/// shared CEDAR scans of writer 20 (a test writer: no training step saw it).
final class CompareProcessTests: XCTestCase {
    private func cedar(_ kind: String, _ n: Int) throws -> String {
        guard let data = FixturePaths.realScans else { throw XCTSkip("../shared/data/real is not present") }
        let name = kind == "org" ? "original_20_\(n).png" : "forgeries_20_\(n).png"
        return data.appendingPathComponent("valid/cedar/full_\(kind)/\(name)").path
    }

    private func run(_ arguments: [String]) throws -> (status: Int32?, stdout: String, stderr: String) {
        let process = try SpawnedProcess("sigverify", ["compare"] + arguments)
        let status = process.waitForExit(timeout: 120)
        return (status, process.stdout, process.stderr)
    }

    private func objects(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    func testReferencesEndAtDoubleDashAndEachQuestionedFileGetsOneJSONLine() throws {
        let refs = try (1...5).map { try cedar("org", $0) }
        let genuine = try cedar("org", 9), forged = try cedar("forg", 9)
        let result = try run(["--json", "--references"] + refs + ["--", genuine, forged])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try objects(result.stdout)
        XCTAssertEqual(lines.map { $0["file"] as? String }, [genuine, forged], "one line per questioned file, as given")
        for line in lines {
            let score = try XCTUnwrap(line["match_score"] as? Double)
            XCTAssertTrue((0...1).contains(score))
            XCTAssertEqual(line["match"] as? Bool, score >= (line["match_threshold"] as? Double ?? 2))
            XCTAssertEqual(line["references"] as? Int, 5)
            XCTAssertNotNil(line["verdict"] as? String)
            XCTAssertNotNil(line["classifier_confidence"] as? Double)
            XCTAssertEqual((line["writer_model_version"] as? String)?.count, 16)
        }
        let scores = lines.map { $0["match_score"] as? Double ?? -1 }
        XCTAssertGreaterThan(scores[0], scores[1], "the writer's own signature scores above a skilled forgery of it")
    }

    func testReferencesAlsoEndAtTheNextOptionAndABadFileFailsAlone() throws {
        let refs = try (1...3).map { try cedar("org", $0) }
        let missing = "/nonexistent/questioned.png"
        let result = try run(["--references"] + refs + ["--json", try cedar("org", 10), missing])
        XCTAssertEqual(result.status, 1, "a questioned file that cannot be read: exit status 1")
        let lines = try objects(result.stdout)
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0]["references"] as? Int, 3)
        XCTAssertNotNil(lines[0]["match_score"] as? Double)
        XCTAssertEqual(lines[1]["file"] as? String, missing)
        XCTAssertNotNil(lines[1]["error"] as? String)
    }

    func testTableOutputAndUsageErrors() throws {
        let refs = try (1...2).map { try cedar("org", $0) }
        let table = try run(["--references"] + refs + ["--", try cedar("forg", 3)])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("MATCH_SCORE"), table.stdout)
        let noQuestioned = try run(["--references"] + refs)
        XCTAssertEqual(noQuestioned.status, 64, "all files taken as references: nothing questioned")
        XCTAssertTrue(noQuestioned.stderr.contains("questioned"), noQuestioned.stderr)
        let noReferences = try run([try cedar("org", 4)])
        XCTAssertEqual(noReferences.status, 64)
    }
}
