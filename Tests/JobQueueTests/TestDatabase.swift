import Foundation
import JobQueue
import XCTest

/// A fresh, migrated database per test in the server from $DATABASE_URL (scripts/test.sh exports
/// it), dropped afterwards — tests never see each other's jobs.
final class TestDatabase: @unchecked Sendable {  // immutable after init
    let url: String
    let name: String
    let adminURL: String

    init(migrate: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        guard let admin = ProcessInfo.processInfo.environment["DATABASE_URL"], !admin.isEmpty else {
            throw XCTSkip("DATABASE_URL is not set: run the database tests through scripts/test.sh (starts a throwaway PostgreSQL)")
        }
        adminURL = admin
        name = "sigverify_test_\(UInt32.random(in: 0...UInt32.max))"
        url = try TestDatabase.url(admin, database: name)
        let db = try PostgresConnection(url: admin)
        try db.executeScript("CREATE DATABASE \(PostgresConnection.quoteIdentifier(name))")
        if migrate {
            let conn = try PostgresConnection(url: url)
            try Migrator.bundled().migrate(conn)
        }
    }

    deinit {
        if let db = try? PostgresConnection(url: adminURL) {
            try? db.executeScript("DROP DATABASE IF EXISTS \(PostgresConnection.quoteIdentifier(name)) WITH (FORCE)")
        }
    }

    func connect() throws -> PostgresConnection { try PostgresConnection(url: url) }
    func queue() throws -> JobQueue { JobQueue(connection: try connect()) }

    /// The same server URL with another database name.
    static func url(_ base: String, database: String) throws -> String {
        guard var components = URLComponents(string: base) else {
            throw XCTSkip("DATABASE_URL is not a URL: \(base)")
        }
        components.path = "/" + database
        return components.string!
    }

    /// One integer from a one-row, one-column query.
    func scalar(_ sql: String, _ params: [PostgresValue?] = []) throws -> Int {
        let r = try connect().execute(sql, params)
        guard let v = try r.int(0, r.columns[0]) else { throw PostgresError(kind: .unexpectedResult, message: "NULL") }
        return v
    }
}

/// Scripts understood by the QueueTestWorker processor.
enum Script {
    static func ok(_ tag: Int) -> [UInt8] { Array("ok:\(tag)".utf8) }
    static func sleep(_ ms: Int, _ tag: Int) -> [UInt8] { Array("sleep:\(ms):\(tag)".utf8) }
    /// Hangs its loop for `ms` on the first attempt only (a stuck loop); later attempts succeed.
    static func stall(_ ms: Int, _ tag: Int) -> [UInt8] { Array("stall:\(ms):\(tag)".utf8) }
    /// An `ok` scan padded to `bytes` bytes.
    static func ok(_ tag: Int, bytes: Int) -> [UInt8] {
        let head = Array("ok:\(tag):".utf8)
        return head + [UInt8](repeating: UInt8(ascii: "x"), count: max(0, bytes - head.count))
    }
}

/// A spawned QueueTestWorker (or sigverify) process with its output captured in files.
final class SpawnedProcess {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    /// The executables built next to the test bundle (`swift build` builds every target).
    static func productURL(_ name: String) throws -> URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let url = exe.deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("\(name) not built next to the tests (\(url.path)); run `swift build -c release` first")
        }
        return url
    }

    convenience init(_ product: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        try self.init(executable: try SpawnedProcess.productURL(product), arguments, environment: environment)
    }

    /// Runs `executable` with this process's environment plus `environment`, less the `unset` names,
    /// in `currentDirectory` (default: this process's).
    init(executable: URL, _ arguments: [String], environment: [String: String] = [:], unset: [String] = [],
         currentDirectory: URL? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        for name in unset { env[name] = nil }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let dir = FileManager.default.temporaryDirectory
        let tag = UUID().uuidString.prefix(8)
        stdoutURL = dir.appendingPathComponent("sv-\(executable.lastPathComponent)-\(tag).out")
        stderrURL = dir.appendingPathComponent("sv-\(executable.lastPathComponent)-\(tag).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits for exit; nil if still running after `timeout` seconds (then it is killed).
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: stdoutURL)
        try? FileManager.default.removeItem(at: stderrURL)
    }
}

/// Polls `condition` until true or `timeout` seconds pass.
func eventually(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
