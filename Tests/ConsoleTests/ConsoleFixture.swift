import Console
import DatabaseTestSupport
import Foundation
import JobQueue
import Operations
import TestSupport
import XCTest

/// A fresh migrated database (`TestDatabase`) with real verdicts: bundled samples (and one under a
/// hostile file name and reference) enqueued, judged by `sigverify work` with the default model,
/// one upload that fails; consoles in this process read it as a `sigverify_auditor` login. The
/// consoles stop, and the login and database are dropped, when the fixture goes.
final class ConsoleFixture {
    /// Submitted under this file name and external reference: markup that must show as text.
    static let hostileName = #"<img src=x onerror="document.title='pwned'">"'&.png"#
    static let hostileReference = "</td><script>document.title='pwned'</script>\r\nX-Injected: 1"

    let db: TestDatabase
    let auditor: TestLogin
    /// Job ids by the file name each was submitted under.
    private(set) var jobs: [String: Int64] = [:]
    private var consoles: [Console] = []

    init() throws {
        db = try TestDatabase()
        auditor = try TestLogin(db, memberOf: "sigverify_auditor")
    }

    deinit { tearDown() }

    /// Stops the consoles (the login and database go with the fixture).
    func tearDown() {
        for console in consoles { console.shutdown() }
        consoles.removeAll()
    }

    /// The database's owner (the admin login of $DATABASE_URL).
    var ownerURL: String { db.url }
    /// The first console started, serving the fixture's data.
    var console: Console? { consoles.first }

    /// Enqueues `files` (samples/ names) and the hostile copy of `original`, then runs one
    /// `sigverify work --until-empty` with the default model.
    func judge(_ files: [String], hostileCopyOf original: String) throws {
        let owner = try db.connect()
        let samples = FixturePaths.packageRoot.appendingPathComponent("samples")
        for name in files + [Self.hostileName] {
            let hostile = name == Self.hostileName
            let bytes = try Data(contentsOf: samples.appendingPathComponent(hostile ? original : name))
            let result = try owner.execute("SELECT sigverify.enqueue_scan($1, $2, $3::jsonb, 0, $4) AS id", [
                .bytea(Array(bytes)), .text(hostile ? Self.hostileReference : "ref-" + name), .text(#"{"note": "<b>bold</b>"}"#), .text(name),
            ])
            jobs[name] = Int64(try result.int(0, "id") ?? 0)
        }
        let worker = try SpawnedProcess("sigverify", ["work", "--until-empty", "--concurrency", "1", "--log-level", "warning"],
                                        environment: ["DATABASE_URL": db.url])
        XCTAssertEqual(worker.waitForExit(timeout: 120), 0, worker.stderr)
    }

    /// Starts a console on a free loopback port as the auditor login.
    func startConsole(credentials: ConsoleCredentials? = nil, pageSize: Int = 50) throws -> Console {
        let console = try Console(ConsoleConfiguration(address: EndpointAddress(host: "127.0.0.1", port: 0), databaseURL: auditor.url,
                                                       credentials: credentials, pageSize: pageSize))
        consoles.append(console)
        return console
    }

    func scalar(_ sql: String) throws -> Int { try db.scalar(sql) }
}
