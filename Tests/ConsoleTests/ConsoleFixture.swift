import Console
import Foundation
import JobQueue
import Operations
import TestSupport
import XCTest

/// A fresh migrated database in the server of $DATABASE_URL with real verdicts: bundled samples
/// (and one under a hostile file name and reference) enqueued, judged by `sigverify work` with
/// the default model, and one upload that fails; then a console in this process reading it as a
/// `sigverify_auditor` login. Dropped (database and login) by `tearDown()`.
final class ConsoleFixture {
    /// Submitted under this file name and external reference: markup that must show as text.
    static let hostileName = #"<img src=x onerror="document.title='pwned'">"'&.png"#
    static let hostileReference = "</td><script>document.title='pwned'</script>\r\nX-Injected: 1"

    let adminURL: String
    let database: String
    let ownerURL: String
    let auditorURL: String
    let auditorRole: String
    /// Job ids by the file name each was submitted under.
    private(set) var jobs: [String: Int64] = [:]
    private(set) var console: Console?

    init() throws {
        guard let admin = ProcessInfo.processInfo.environment["DATABASE_URL"], !admin.isEmpty else {
            throw XCTSkip("DATABASE_URL is not set: run the console tests through scripts/test.sh (starts a throwaway PostgreSQL)")
        }
        adminURL = admin
        database = "sigverify_console_\(UInt32.random(in: 0...UInt32.max))"
        auditorRole = database + "_auditor"
        try PostgresConnection(url: admin).executeScript("""
            CREATE DATABASE \(PostgresConnection.quoteIdentifier(database))
            """)
        ownerURL = try Self.url(admin, database: database, user: nil)
        auditorURL = try Self.url(admin, database: database, user: auditorRole)
        try Migrator.bundled().migrate(PostgresConnection(url: ownerURL))
        try PostgresConnection(url: admin).executeScript(
            "CREATE ROLE \(PostgresConnection.quoteIdentifier(auditorRole)) LOGIN IN ROLE sigverify_auditor")
    }

    /// Enqueues `files` (samples/ names) and the hostile copy of `hostileCopyOf`, then runs one
    /// `sigverify work --until-empty` with the default model.
    func judge(_ files: [String], hostileCopyOf original: String) throws {
        let owner = JobQueue(connection: try PostgresConnection(url: ownerURL))
        let samples = FixturePaths.packageRoot.appendingPathComponent("samples")
        for name in files + [Self.hostileName] {
            let source = name == Self.hostileName ? original : name
            let bytes = try Data(contentsOf: samples.appendingPathComponent(source))
            let result = try owner.db.execute("""
                SELECT sigverify.enqueue_scan($1, $2, $3::jsonb, 0, $4) AS id
                """, [.bytea(Array(bytes)), .text(name == Self.hostileName ? Self.hostileReference : "ref-" + name),
                      .text(#"{"note": "<b>bold</b>"}"#), .text(name)])
            jobs[name] = Int64(try result.int(0, "id") ?? 0)
        }
        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("sigverify")
        worker.arguments = ["work", "--until-empty", "--concurrency", "1", "--database-url", ownerURL, "--log-level", "warning"]
        try worker.run()
        worker.waitUntilExit()
        XCTAssertEqual(worker.terminationStatus, 0, "sigverify work")
    }

    /// Starts the console on a free loopback port (or `address`) as the auditor login.
    func startConsole(credentials: ConsoleCredentials? = nil, pageSize: Int = 50) throws -> Console {
        let console = try Console(ConsoleConfiguration(address: EndpointAddress(host: "127.0.0.1", port: 0), databaseURL: auditorURL,
                                                       credentials: credentials, pageSize: pageSize))
        if self.console == nil { self.console = console }
        return console
    }

    /// One integer from the owner's view of the database.
    func scalar(_ sql: String) throws -> Int {
        let r = try PostgresConnection(url: ownerURL).execute(sql)
        return try r.int(0, r.columns[0]) ?? -1
    }

    func tearDown() {
        console?.shutdown()
        guard let admin = try? PostgresConnection(url: adminURL) else { return }
        try? admin.executeScript("DROP DATABASE IF EXISTS \(PostgresConnection.quoteIdentifier(database)) WITH (FORCE)")
        try? admin.executeScript("DROP ROLE IF EXISTS \(PostgresConnection.quoteIdentifier(auditorRole))")
    }

    private static func url(_ base: String, database: String, user: String?) throws -> String {
        guard var components = URLComponents(string: base) else { throw XCTSkip("DATABASE_URL is not a URL: \(base)") }
        components.path = "/" + database
        if let user {
            components.user = user
            components.password = nil
        }
        return components.string!
    }
}
