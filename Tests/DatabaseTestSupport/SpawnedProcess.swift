import Foundation
import XCTest

/// A spawned QueueTestWorker (or sigverify) process with its output captured in files.
public final class SpawnedProcess {
    public let process = Process()
    public let stdoutURL: URL
    public let stderrURL: URL

    /// The executables built next to the test bundle (`swift build` builds every target).
    public static func productURL(_ name: String) throws -> URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let url = exe.deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("\(name) not built next to the tests (\(url.path)); run `swift build -c release` first")
        }
        return url
    }

    public convenience init(_ product: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        try self.init(executable: try SpawnedProcess.productURL(product), arguments, environment: environment)
    }

    /// Runs `executable` with this process's environment plus `environment`, less the `unset` names,
    /// in `currentDirectory` (default: this process's).
    public init(executable: URL, _ arguments: [String], environment: [String: String] = [:], unset: [String] = [],
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

    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits for exit; nil if still running after `timeout` seconds (then it is killed).
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

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
public func eventually(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
