import Console
import Foundation
import Imaging
import JobQueue
import Operations
import TestSupport
import XCTest

/// The console over real verdicts (see ConsoleFixture), through HTTP: the numbers each page shows
/// are the database's, images load, filters and pages work, submitted strings stay text, every
/// answer carries the security headers, and the console keeps serving under a burst.
final class ConsoleEndToEndTests: XCTestCase {
    static let judged = ["page.png", "scan600_01.jpg", "invalid224_01.png", "scan600_04.png", "broken_upload.png"]
    nonisolated(unsafe) private static var prepared: Result<ConsoleFixture, Error>?

    override class func setUp() {
        prepared = Result {
            let fixture = try ConsoleFixture()
            try fixture.judge(judged, hostileCopyOf: "scan1500_00.jpg")
            _ = try fixture.startConsole()
            return fixture
        }
    }

    override class func tearDown() {
        (try? prepared?.get())?.tearDown()
        prepared = nil
    }

    private func fixture() throws -> (ConsoleFixture, Int) {
        let fixture = try XCTUnwrap(Self.prepared).get()
        return (fixture, try XCTUnwrap(fixture.console).address.port)
    }

    private func get(_ port: Int, _ path: String, headers: [String: String] = [:]) throws -> LoopbackHTTP {
        try LoopbackHTTP(port: port, path, headers: headers)
    }

    func testQueuePageShowsTheDatabasesNumbers() throws {
        let (db, port) = try fixture()
        let page = try get(port, "/")
        XCTAssertEqual(page.status, 200)
        for status in ["queued", "running", "succeeded", "failed", "cancelled"] {
            let jobs = try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = '\(status)'")
            XCTAssertTrue(page.text.contains("id=\"depth-\(status)\">\(status)<b>\(jobs)</b>"), "\(status): \(jobs)")
        }
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'failed'"), 1)
        let finished = try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status IN ('succeeded', 'failed')")
        XCTAssertTrue(page.text.contains("\(finished) jobs finished in the last hour"), page.text)
        XCTAssertTrue(page.text.contains("<svg id=\"throughput\""))
        XCTAssertTrue(page.text.contains("broken_upload.png"), "recent failures name the scan")
        XCTAssertTrue(page.text.contains("<span class=\"stopped\">stopped</span>"), "the worker stopped cleanly")
    }

    func testVerdictListFiltersMatchTheDatabase() throws {
        let (db, port) = try fixture()
        let filters = [("", "true"), ("verdict=invalid", "verdict = 'invalid'"), ("verdict=valid", "verdict = 'valid'"),
                       ("criterion=classifier", "NOT classifier_passed"), ("criterion=reconstruction", "NOT reconstruction_passed"),
                       ("verdict=%3Cscript%3E", "true"), ("from=2024-02-30", "true"), ("model=none", "false"),
                       ("from=2000-01-01&to=2999-12-31", "true"), ("to=2000-01-01", "false")]
        for (query, condition) in filters {
            let expected = try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE \(condition)")
            let page = try get(port, "/verdicts?" + query)
            XCTAssertEqual(page.status, 200)
            XCTAssertTrue(page.text.contains("\(expected) verdicts match"), "\(query): \(expected)")
            XCTAssertEqual(page.text.components(separatedBy: "class=\"thumb\"").count - 1, expected, query)
        }
        XCTAssertGreaterThan(try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE verdict = 'valid'"), 0, "the samples give both verdicts")
        XCTAssertGreaterThan(try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE verdict = 'invalid'"), 0)
        let version = try XCTUnwrap(try PostgresConnection(url: db.ownerURL).execute("SELECT min(model_version) AS v FROM sigverify.verdicts").string(0, "v"))
        let all = try db.scalar("SELECT count(*) FROM sigverify.verdicts")
        XCTAssertTrue(try get(port, "/verdicts?model=\(version)").text.contains("\(all) verdicts match"))
        XCTAssertTrue(try get(port, "/verdicts?ref=ref-page").text.contains("1 verdicts match"))
    }

    func testVerdictListPagesAreBounded() throws {
        let (db, _) = try fixture()
        let small = try db.startConsole(pageSize: 2)
        defer { small.shutdown() }
        let all = try db.scalar("SELECT count(*) FROM sigverify.verdicts")
        let first = try get(small.address.port, "/verdicts")
        XCTAssertEqual(first.text.components(separatedBy: "class=\"thumb\"").count - 1, 2)
        XCTAssertTrue(first.text.contains("page 1 of \((all + 1) / 2)"))
        XCTAssertTrue(first.text.contains("href=\"/verdicts?page=2\""))
        let last = try get(small.address.port, "/verdicts?page=\((all + 1) / 2)")
        XCTAssertEqual(last.text.components(separatedBy: "class=\"thumb\"").count - 1, all % 2 == 0 ? 2 : 1)
        XCTAssertTrue(try get(small.address.port, "/verdicts?page=999999999999").text.contains("page 100000 of"), "page numbers are capped")
    }

    func testVerdictPageShowsScoresImagesEventsAndChainPlace() throws {
        let (db, port) = try fixture()
        let id = try XCTUnwrap(db.jobs["page.png"])
        let page = try get(port, "/verdicts/\(id)")
        XCTAssertEqual(page.status, 200)
        let owner = try PostgresConnection(url: db.ownerURL)
        let row = try owner.execute("SELECT verdict, model_version, chain_seq FROM sigverify.verdicts WHERE job_id = \(id)")
        XCTAssertTrue(page.text.contains("id=\"verdict\">\(try XCTUnwrap(row.string(0, "verdict")))<"))
        XCTAssertTrue(page.text.contains("id=\"model-version\">\(try XCTUnwrap(row.string(0, "model_version")))<"))
        let head = try db.scalar("SELECT max(chain_seq) FROM (SELECT chain_seq FROM sigverify.verdicts UNION ALL SELECT chain_seq FROM sigverify.job_events) c")
        XCTAssertTrue(page.text.contains("place \(try XCTUnwrap(row.int(0, "chain_seq"))) of \(head)"))
        let events = try db.scalar("SELECT count(*) FROM sigverify.job_events WHERE job_id = \(id)")
        XCTAssertEqual(page.text.components(separatedBy: "<table id=\"events\">").last?.components(separatedBy: "<tr>").count, events + 2)
        XCTAssertEqual(page.text.components(separatedBy: "<svg class=\"bar\"").count - 1, 3, "one bar per criterion")

        let input = try get(port, "/verdicts/\(id)/input.png")
        XCTAssertEqual(input.headers["content-type"], "image/png")
        let stored = try owner.executeBinary("SELECT preprocessed_png FROM sigverify.verdicts WHERE job_id = \(id)")
        XCTAssertEqual(input.body, try stored.bytes(0, "preprocessed_png"), "the verdict's own network input, as stored")
        let scan = try get(port, "/verdicts/\(id)/scan.png")
        XCTAssertEqual(scan.headers["content-type"], "image/png")
        let original = try ImageDecoder().decode(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples/page.png").path)
        let shown = try ImageDecoder().decode(scan.body)
        let factor = (max(original.width, original.height) + 1199) / 1200
        XCTAssertEqual([shown.width, shown.height], [(original.width + factor - 1) / factor, (original.height + factor - 1) / factor],
                       "the scan averaged down to at most 1200 pixels a side")
    }

    func testFailedAndPrunedJobsSayWhy() throws {
        let (db, port) = try fixture()
        let failed = try XCTUnwrap(db.jobs["broken_upload.png"])
        let page = try get(port, "/verdicts/\(failed)")
        XCTAssertTrue(page.text.contains("id=\"no-verdict\""))
        XCTAssertTrue(page.text.contains("id=\"job-status\">failed<"))
        XCTAssertEqual(try get(port, "/verdicts/\(failed)/input.png").status, 404, "no verdict, no network input")
        let pruned = try XCTUnwrap(db.jobs["scan600_04.png"])
        try PostgresConnection(url: db.ownerURL).executeScript("UPDATE sigverify.jobs SET image = NULL WHERE id = \(pruned)")
        XCTAssertTrue(try get(port, "/verdicts/\(pruned)").text.contains("id=\"scan-pruned\""))
        XCTAssertEqual(try get(port, "/verdicts/\(pruned)/scan.png").status, 404)
        XCTAssertEqual(try get(port, "/verdicts/\(pruned)/input.png").status, 200, "the verdict's own image stays")
    }

    func testSubmittedStringsShowAsText() throws {
        let (db, port) = try fixture()
        let id = try XCTUnwrap(db.jobs[ConsoleFixture.hostileName])
        for path in ["/verdicts/\(id)", "/verdicts", "/"] {
            let page = try get(port, path)
            XCTAssertFalse(page.text.contains("<img src=x"), path)
            XCTAssertFalse(page.text.contains("<script>"), path)
            XCTAssertFalse(page.text.contains("<b>bold</b>"), path)
            XCTAssertNil(page.headers["x-injected"], path)
        }
        let page = try get(port, "/verdicts/\(id)").text
        XCTAssertTrue(page.contains("id=\"filename\">&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;&quot;&#39;&amp;.png<"))
        XCTAssertTrue(page.contains("&lt;/td&gt;&lt;script&gt;"))
        XCTAssertTrue(page.contains("&lt;b&gt;bold&lt;/b&gt;"), "metadata too")
        let reflected = try get(port, "/verdicts?ref=%22%3E%3Cscript%3Ex%3C%2Fscript%3E").text
        XCTAssertTrue(reflected.contains("value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""), "a filter value is escaped where it is echoed")
    }

    func testEveryAnswerCarriesTheSecurityHeaders() throws {
        let (db, port) = try fixture()
        let id = try XCTUnwrap(db.jobs["page.png"])
        for path in ["/", "/verdicts", "/verdicts/\(id)", "/verdicts/\(id)/input.png", "/audit", "/console.css", "/nowhere", "/verdicts/0"] {
            let answer = try get(port, path)
            XCTAssertEqual(answer.headers["content-security-policy"],
                           "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'", path)
            XCTAssertEqual(answer.headers["x-content-type-options"], "nosniff", path)
            XCTAssertEqual(answer.headers["x-frame-options"], "DENY", path)
        }
    }

    func testOnlyWellFormedJobIDsReachTheDatabase() throws {
        let (db, port) = try fixture()
        let id = try XCTUnwrap(db.jobs["page.png"])
        for path in ["/verdicts/abc/scan.png", "/verdicts/-1/scan.png", "/verdicts/+\(id)/scan.png", "/verdicts/\(id)%20OR%201=1/scan.png",
                     "/verdicts/99999999/scan.png", "/verdicts/99999999999999999999/input.png", "/verdicts/\(id)/../1/scan.png",
                     "/verdicts/\(id)/scan.tif", "/verdicts/0"] {
            XCTAssertEqual(try get(port, path).status, 404, path)
        }
        XCTAssertEqual(try LoopbackHTTP(port: port, "/verdicts", method: "POST").status, 405, "read-only: GET and HEAD only")
    }

    func testTokenOrCredentialsRequiredWhenSet() throws {
        let (db, _) = try fixture()
        let token = "correct-horse-battery-staple-42"
        let bearer = try db.startConsole(credentials: .bearer(token: token))
        defer { bearer.shutdown() }
        let refused = try get(bearer.address.port, "/")
        XCTAssertEqual(refused.status, 401)
        XCTAssertEqual(refused.headers["www-authenticate"], #"Bearer realm="sigverify console""#)
        XCTAssertFalse(refused.text.contains("Queue"))
        XCTAssertEqual(try get(bearer.address.port, "/verdicts", headers: ["Authorization": "Bearer wrong-\(token)"]).status, 401)
        XCTAssertEqual(try get(bearer.address.port, "/verdicts/1/input.png").status, 401, "images too")
        XCTAssertEqual(try get(bearer.address.port, "/verdicts", headers: ["Authorization": "Bearer \(token)"]).status, 200)

        let basic = try db.startConsole(credentials: .basic(user: "auditor", password: token))
        defer { basic.shutdown() }
        let good = Data("auditor:\(token)".utf8).base64EncodedString(), bad = Data("auditor:\(token)x".utf8).base64EncodedString()
        XCTAssertEqual(try get(basic.address.port, "/").headers["www-authenticate"], #"Basic realm="sigverify console", charset="UTF-8""#)
        XCTAssertEqual(try get(basic.address.port, "/", headers: ["Authorization": "Basic \(bad)"]).status, 401)
        XCTAssertEqual(try get(basic.address.port, "/", headers: ["Authorization": "Basic \(good)"]).status, 200)
    }

    func testReadsAsTheAuditorOnly() throws {
        let (db, _) = try fixture()
        let role = db.database + "_enqueuer"
        let admin = try PostgresConnection(url: db.adminURL)
        try admin.executeScript("CREATE ROLE \(PostgresConnection.quoteIdentifier(role)) LOGIN IN ROLE sigverify_enqueuer")
        defer { try? admin.executeScript("DROP ROLE IF EXISTS \(PostgresConnection.quoteIdentifier(role))") }
        var components = try XCTUnwrap(URLComponents(string: db.auditorURL))
        components.user = role
        XCTAssertThrowsError(try Console(ConsoleConfiguration(address: EndpointAddress(host: "127.0.0.1", port: 0),
                                                              databaseURL: components.string!, credentials: nil))) {
            XCTAssertTrue("\($0)".hasPrefix("the console reads as sigverify_auditor, but this login cannot"), "\($0)")
        }
        let writes = try db.scalar("""
            SELECT count(*) FROM information_schema.role_table_grants
            WHERE grantee = 'sigverify_auditor' AND privilege_type <> 'SELECT'
            """)
        XCTAssertEqual(writes, 0, "the auditor holds no write grant at all")
    }

    func testAuditVerifiesTheChainOnDemand() throws {
        let (db, port) = try fixture()
        XCTAssertTrue(try get(port, "/audit").text.contains("not verified since this console started"))
        let page = try get(port, "/audit?verify=1").text
        let head = try db.scalar("SELECT max(chain_seq) FROM (SELECT chain_seq FROM sigverify.verdicts UNION ALL SELECT chain_seq FROM sigverify.job_events) c")
        XCTAssertTrue(page.contains("id=\"head-seq\">\(head)<"))
        XCTAssertTrue(page.contains("intact: \(head) places verified"), page)
    }

    func testKeepsServingUnderABurst() throws {
        let (db, port) = try fixture()
        let id = try XCTUnwrap(db.jobs["page.png"])
        let paths = ["/verdicts", "/verdicts/\(id)"]
        let statuses = StatusTally()
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: 16) { client in
            for i in 0..<25 { statuses.add((try? LoopbackHTTP(port: port, paths[(client + i) % 2]).status) ?? -1) }
        }
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(statuses.counts, [200: 400], "every request of the burst answered")
        print("console burst: 400 requests from 16 clients in \(String(format: "%.2f", seconds)) s = \(Int(400 / seconds)) requests/s")
        XCTAssertEqual(try get(port, "/").status, 200, "and serving after it")
    }

    /// The same pages in headless Chromium: they render with the database's numbers, every image
    /// loads, the filter form filters, a hostile file name is text, and a set token is required.
    func testPagesInHeadlessChromium() throws {
        let (db, port) = try fixture()
        let browser = try WebDriver()
        defer { browser.quit() }
        let base = "http://127.0.0.1:\(port)"
        try browser.open(base + "/")
        XCTAssertEqual(try browser.text("h1"), "Queue")
        let succeeded = try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'succeeded'")
        XCTAssertEqual(try browser.text("#depth-succeeded b"), "\(succeeded)")
        XCTAssertEqual(try browser.run("return document.styleSheets.length > 0 && getComputedStyle(document.querySelector('header')).display") as? String,
                       "flex", "the stylesheet applies under the CSP")

        try browser.open(base + "/verdicts")
        let verdicts = try db.scalar("SELECT count(*) FROM sigverify.verdicts")
        XCTAssertEqual(try browser.run("return document.images.length") as? Int, verdicts)
        XCTAssertEqual(try browser.run(Self.imagesLoaded) as? Bool, true, "every thumbnail loads")
        _ = try browser.run("document.querySelector('#verdict').value = 'invalid'; return null")
        try browser.click("#apply")
        let invalid = try db.scalar("SELECT count(*) FROM sigverify.verdicts WHERE verdict = 'invalid'")
        XCTAssertEqual(try browser.run("return location.search") as? String, "?verdict=invalid&criterion=&model=&from=&to=&ref=")
        XCTAssertTrue(try browser.text("#matches").hasPrefix("\(invalid) verdicts match"))
        XCTAssertEqual(try browser.run("return document.querySelectorAll('#verdicts .valid').length") as? Int, 0)

        let hostile = try XCTUnwrap(db.jobs[ConsoleFixture.hostileName])
        try browser.open(base + "/verdicts/\(hostile)")
        XCTAssertEqual(try browser.text("#filename"), ConsoleFixture.hostileName)
        XCTAssertEqual(try browser.text("#external-ref"), ConsoleFixture.hostileReference.replacingOccurrences(of: "\r\n", with: "\n"))
        XCTAssertEqual(try browser.run("return document.title") as? String, "Job \(hostile) · sigverify console")
        XCTAssertEqual(try browser.run("return document.querySelectorAll('script, img[src=\"x\"]').length") as? Int, 0)
        XCTAssertEqual(try browser.run(Self.imagesLoaded) as? Bool, true, "the scan and the network input load")
        let input = try ImageDecoder().decode(try get(port, "/verdicts/\(hostile)/input.png").body)
        XCTAssertEqual(try browser.run("return [document.querySelector('#scan').naturalWidth, document.querySelector('#input').naturalWidth]") as? [Int],
                       [750, input.width], "scan1500_00.jpg (1500×700) averaged down to 750×350, and the network input")

        try browser.open(base + "/audit?verify=1")
        XCTAssertTrue(try browser.text("#audit-result").hasPrefix("intact"))

        let token = "correct-horse-battery-staple-42"
        let bearer = try db.startConsole(credentials: .bearer(token: token))
        defer { bearer.shutdown() }
        try browser.open("http://127.0.0.1:\(bearer.address.port)/")
        XCTAssertEqual(try browser.run("return document.body.innerText.trim()") as? String, "authorization required")
        let guarded = try db.startConsole(credentials: .basic(user: "ops", password: token))
        defer { guarded.shutdown() }
        try browser.open("http://ops:\(token)@127.0.0.1:\(guarded.address.port)/verdicts")
        XCTAssertEqual(try browser.text("h1"), "Verdicts")
        XCTAssertEqual(try browser.run(Self.imagesLoaded) as? Bool, true, "the browser sends the credentials for the images too")
    }

    private static let imagesLoaded = "return Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
}

/// Status codes counted from many threads.
private final class StatusTally: @unchecked Sendable {  // guarded by the lock
    private let lock = NSLock()
    private var tally: [Int: Int] = [:]

    func add(_ status: Int) {
        lock.lock()
        tally[status, default: 0] += 1
        lock.unlock()
    }

    var counts: [Int: Int] {
        lock.lock()
        defer { lock.unlock() }
        return tally
    }
}

/// Refusals that need no database.
final class ConsoleRefusalTests: XCTestCase {
    func testRefusesToListenBeyondLoopbackWithoutCredentials() throws {
        for host in ["0.0.0.0", "::", "192.0.2.1"] {
            XCTAssertThrowsError(try Console(ConsoleConfiguration(address: EndpointAddress(host: host, port: 0),
                                                                  databaseURL: "postgresql://unused.invalid/x", credentials: nil))) {
                XCTAssertEqual($0 as? ConsoleError, .credentialsRequired(address: EndpointAddress(host: host, port: 0).description))
            }
        }
    }

    func testTheCommandSaysWhyInOneLineAndFails() throws {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("sigverify")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["console", "--listen", "0.0.0.0:0", "--database-url", "postgresql://unused.invalid/x"]
        var environment = ProcessInfo.processInfo.environment
        environment["SIGVERIFY_CONSOLE_TOKEN"] = nil
        environment["SIGVERIFY_CONSOLE_CREDENTIALS"] = nil
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0)
        XCTAssertEqual(text.split(separator: "\n").count, 1, text)
        XCTAssertTrue(text.contains("refusing to serve the console on 0.0.0.0:0 without a token or credentials"), text)
    }

    func testCredentialsComeFromAFileOrTheEnvironmentAndMustBeLongEnough() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("console-token-\(UUID().uuidString)")
        try "a-long-enough-token-0123\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try ConsoleCredentials.load(tokenFile: file.path, credentialsFile: nil, environment: [:]),
                       .bearer(token: "a-long-enough-token-0123"))
        XCTAssertEqual(try ConsoleCredentials.load(tokenFile: nil, credentialsFile: nil,
                                                   environment: ["SIGVERIFY_CONSOLE_CREDENTIALS": "ops:0123456789abcdefXYZ"]),
                       .basic(user: "ops", password: "0123456789abcdefXYZ"))
        XCTAssertNil(try ConsoleCredentials.load(tokenFile: nil, credentialsFile: nil, environment: [:]))
        XCTAssertThrowsError(try ConsoleCredentials.load(tokenFile: nil, credentialsFile: nil, environment: ["SIGVERIFY_CONSOLE_TOKEN": "short"]))
        XCTAssertThrowsError(try ConsoleCredentials.load(tokenFile: "/nonexistent/token", credentialsFile: nil, environment: [:]))
        let token = ConsoleCredentials.bearer(token: "a-long-enough-token-0123")
        XCTAssertTrue(token.admits("Bearer a-long-enough-token-0123"))
        XCTAssertFalse(token.admits("Bearer a-long-enough-token-012"))
        XCTAssertFalse(token.admits("bearer a-long-enough-token-0123x"))
        XCTAssertFalse(token.admits(nil))
    }
}
