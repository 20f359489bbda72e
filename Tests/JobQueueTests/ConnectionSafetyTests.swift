import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// Every connection is bounded (connect timeout, keepalives, statement timeout) unless its URL
/// says otherwise, and a login the server refuses stops `work` at once instead of being retried.
final class ConnectionSafetyTests: XCTestCase {
    private func setting(_ db: PostgresConnection, _ name: String) throws -> String? {
        let result = try db.execute("SELECT current_setting($1) AS value", [.text(name)])
        return try result.string(0, "value")
    }

    func testEverySessionGetsTheTimeoutsAndKeepalives() throws {
        let db = try TestDatabase()
        let standard = try db.connect()
        XCTAssertEqual(try setting(standard, "statement_timeout"), "1min")
        XCTAssertEqual(standard.parameter("connect_timeout"), "10")
        XCTAssertEqual(standard.parameter("keepalives"), "1")
        XCTAssertEqual(standard.parameter("keepalives_idle"), "30")
        let short = try PostgresConnection(url: db.url, settings: ConnectionSettings(statementTimeoutSeconds: 1))
        XCTAssertEqual(try setting(short, "statement_timeout"), "1s")
        XCTAssertThrowsError(try short.execute("SELECT pg_sleep(3)")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "57014", "\(error)")
        }
        try short.reset()
        XCTAssertEqual(try setting(short, "statement_timeout"), "1s", "a reconnect keeps the settings")
    }

    func testAURLsOwnSettingsWin() throws {
        let db = try TestDatabase()
        let url = db.url + "?connect_timeout=4&keepalives_idle=7&options=-c%20statement_timeout%3D5s%20-c%20work_mem%3D5MB"
        let conn = try PostgresConnection(url: url)
        XCTAssertEqual(conn.parameter("connect_timeout"), "4")
        XCTAssertEqual(conn.parameter("keepalives_idle"), "7")
        XCTAssertEqual(conn.parameter("keepalives_interval"), "10", "what the URL leaves out still gets the default")
        XCTAssertEqual(try setting(conn, "statement_timeout"), "5s")
        XCTAssertEqual(try setting(conn, "work_mem"), "5MB")
        let merged = try PostgresConnection(url: db.url + "?options=-c%20work_mem%3D6MB")
        XCTAssertEqual(try setting(merged, "work_mem"), "6MB")
        XCTAssertEqual(try setting(merged, "statement_timeout"), "1min", "the user's options are kept beside the default")
    }

    func testARefusedLoginIsNotAnOutage() throws {
        let db = try TestDatabase(migrate: false)
        for (url, state) in [(try TestDatabase.url(db.adminURL, database: db.name + "_missing"), "3D000"),
                             (try unknownRole(db), "28000")] {
            XCTAssertThrowsError(try PostgresConnection(url: url)) { error in
                guard let error = error as? PostgresError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.sqlState, state, "\(error)")
                XCTAssertTrue(error.isLoginRefused)
                XCTAssertFalse(error.isConnectionProblem)
                XCTAssertFalse(error.isTransient)
                XCTAssertFalse(error.description.contains("\n"), error.description)
            }
        }
    }

    func testWorkStopsAtOnceWhenTheLoginIsRefused() throws {
        let db = try TestDatabase()
        let model = FixturePaths.local("model_tiny").path
        for (url, expected) in [(try TestDatabase.url(db.adminURL, database: db.name + "_missing"), "does not exist"),
                                (try unknownRole(db), "role")] {
            let start = Date()
            let work = try SpawnedProcess("sigverify", ["work", "--model", model, "--database-url", url],
                                          environment: ["SIGVERIFY_LOG_LEVEL": "critical"])
            let status = work.waitForExit(timeout: 20)
            XCTAssertNotNil(status, "work kept retrying a refused login")
            XCTAssertNotEqual(status, 0)
            XCTAssertLessThan(Date().timeIntervalSince(start), 5)
            let lines = work.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, work.stderr)
            XCTAssertTrue(work.stderr.contains(expected), work.stderr)
        }
    }

    private func unknownRole(_ db: TestDatabase) throws -> String {
        guard var components = URLComponents(string: db.url) else { throw XCTSkip("DATABASE_URL is not a URL") }
        components.user = "nobody_\(db.name)"
        return components.string!
    }
}
