import Foundation
import JobQueue
import TestSupport

/// A PostgreSQL cluster owned by one test (scripts/pg-start.sh DIR), so restarting it does not
/// disturb the shared server other tests use.
public final class PrivateCluster {
    public let dir: URL
    public let url: String
    public let port: String
    private let root = FixturePaths.packageRoot

    public init() throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sv-pg-\(UInt32.random(in: 0...UInt32.max))")
        let output = try PrivateCluster.run(root.appendingPathComponent("scripts/pg-start.sh").path, [dir.path])
        url = output.trimmingCharacters(in: .whitespacesAndNewlines)
        port = try String(contentsOf: dir.appendingPathComponent("port"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fast shutdown (clients are disconnected), a pause, then a start on the same port.
    public func restart(downFor seconds: Double) throws {
        _ = try PrivateCluster.run(root.appendingPathComponent("scripts/pg-stop.sh").path, [dir.path])
        Thread.sleep(forTimeInterval: seconds)
        let bindir = try PrivateCluster.run("/bin/sh", ["-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var command = ["\(bindir)/pg_ctl", "-D", dir.appendingPathComponent("data").path, "-l",
                       dir.appendingPathComponent("server.log").path, "-w", "-t", "60", "-o",
                       "-c listen_addresses=127.0.0.1 -p \(port) -k \(dir.path) -c fsync=off -c synchronous_commit=off", "start"]
        if getuid() == 0 { command = ["runuser", "-u", "postgres", "--"] + command }
        _ = try PrivateCluster.run("/usr/bin/env", command)
    }

    public func stop() {
        _ = try? PrivateCluster.run(root.appendingPathComponent("scripts/pg-stop.sh").path, [dir.path])
        try? FileManager.default.removeItem(at: dir)
    }

    /// Runs a command to completion and returns its stdout. Uses posix_spawn + waitpid directly:
    /// the server these scripts start inherits descriptors and outlives them, which confuses
    /// Foundation.Process's exit monitoring.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let output = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sv-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let quoted = ([executable] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let shell = quoted.joined(separator: " ") + " > '\(output.path)' < /dev/null"
        let command: [String] = ["/bin/sh", "-c", shell]
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard spawned == 0 else { throw PostgresError(kind: .connect, message: "cannot spawn \(executable): \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw PostgresError(kind: .connect, message: "\(executable) \(arguments) failed (status \(status))")
        }
        return text
    }
}
