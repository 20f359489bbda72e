import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// Issue 22's database path through the shipped binary, each step as its own least-privilege
/// login: `enrol` five references (enroller), `enqueue --subject` questioned scans plus one
/// without a subject (enqueuer), `work --until-empty` (default model and the committed writer
/// model, then `--no-writer-model`), `report` and `audit`.
final class EnrolProcessTests: XCTestCase {
    private func run(_ arguments: [String], _ url: String, exit expected: Int32 = 0,
                     file: StaticString = #filePath, line: UInt = #line) throws -> SpawnedProcess {
        let process = try SpawnedProcess("sigverify", arguments, environment: ["DATABASE_URL": url, "SIGVERIFY_LOG_LEVEL": "warning"])
        XCTAssertEqual(process.waitForExit(timeout: 120), expected, "\(arguments): \(process.stderr)", file: file, line: line)
        return process
    }

    func testEnrolEnqueueWithASubjectWorkReportAndAudit() throws {
        let db = try TestDatabase()
        let (enroller, enqueuer, worker) = (try TestLogin(db, memberOf: "sigverify_enroller"),
                                            try TestLogin(db, memberOf: "sigverify_enqueuer"), try TestLogin(db, memberOf: "sigverify_worker"))
        defer { withExtendedLifetime((enroller, enqueuer, worker)) {} }
        let samples = FixturePaths.packageRoot.appendingPathComponent("samples")
        let files = ["scan600_01.jpg", "scan600_04.png", "scan1500_00.jpg", "aug1200_00.png", "invalid224_02.jpg"]
            .map { samples.appendingPathComponent($0).path }
        let enrolled = try run(["enrol", "--subject", "alice"] + files, enroller.url)
        XCTAssertEqual(enrolled.stdout.components(separatedBy: "pending its check").count - 1, 5, enrolled.stdout)
        let again = try run(["enrol", "--subject", "alice", files[0]], enroller.url)
        XCTAssertTrue(again.stdout.contains("already reference 1 of alice"), again.stdout)
        let refused = try run(["enrol", "--subject", "alice", files[0]], enqueuer.url, exit: 1)
        XCTAssertTrue(refused.stderr.contains("permission denied"), refused.stderr)
        // The references' checks first (enrolment precedes questioned scans), then the questioned
        // scans with the committed writer model, found beside the executable as `models/default` is.
        _ = try run(["work", "--until-empty", "--poll-interval", "0.2"], worker.url)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.reference_status WHERE status IN ('active', 'refused')"), 5)
        let active = try db.scalar("SELECT count(*) FROM sigverify.reference_status WHERE status = 'active'")
        XCTAssertGreaterThan(active, 0)
        _ = try run(["enqueue", "--subject", "alice", files[1], files[2]], enqueuer.url)
        _ = try run(["enqueue", files[3]], enqueuer.url)
        _ = try run(["work", "--until-empty", "--poll-interval", "0.2"], worker.url)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 8)
        // Exactly the subject's two verdicts are matched, by the real model, against every active reference.
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts v JOIN sigverify.jobs j ON j.id = v.job_id "
                                     + "WHERE j.subject = 'alice' AND v.match_score BETWEEN 0 AND 1 AND v.match_reason IS NULL "
                                     + "AND v.match_passed = (v.match_score >= v.match_threshold) AND v.match_references = \(active) "
                                     + "AND cardinality(v.match_reference_ids) = \(active) AND v.match_model_version ~ '^[0-9a-f]{16}$'"), 2)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE match_reason IS NOT NULL OR match_score IS NOT NULL"), 2)
        XCTAssertEqual(try db.scalar("SELECT count(DISTINCT match_model_version) FROM sigverify.verdicts"), 1)

        // Without a writer model the subject's verdict keeps its three criteria, the match NULL with the reason.
        _ = try run(["enqueue", "--subject", "alice", files[4]], enqueuer.url)
        _ = try run(["work", "--until-empty", "--poll-interval", "0.2", "--no-writer-model"], worker.url)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE match_reason = 'no writer model loaded' "
                                     + "AND match_score IS NULL AND match_passed IS NULL"), 1)

        let revoked = try run(["enrol", "--revoke", "2", "--reason", "specimen withdrawn"], enroller.url)
        XCTAssertTrue(revoked.stdout.contains("revoked reference 2"), revoked.stdout)
        let auditor = try TestLogin(db, memberOf: "sigverify_auditor")
        defer { withExtendedLifetime(auditor) {} }
        let report = try run(["report"], auditor.url)
        XCTAssertTrue(report.stdout.contains("sigverify.subject_matches") && report.stdout.contains("specimen withdrawn"), report.stdout)
        let audit = try run(["audit"], auditor.url)
        XCTAssertTrue(audit.stdout.contains("audit chain verified"), audit.stdout)
        let noModel = try run(["work", "--until-empty", "--writer-model", "/nonexistent"], worker.url, exit: 1)
        XCTAssertTrue(noModel.stderr.contains("--writer-model /nonexistent"), noModel.stderr)
    }
}
