import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// Issue 19, findings 3 and 4, against a whole worker process (QueueTestWorker: the real Worker
/// loop and endpoint) run under a 1,024 open-file limit, soft and hard, as in a default container.
final class EndpointAttackTests: XCTestCase {
    private func worker(_ url: String, _ extra: [String] = []) throws -> SpawnedProcess {
        let executable = try SpawnedProcess.productURL("QueueTestWorker")
        return try SpawnedProcess(executable: URL(fileURLWithPath: "/bin/sh"),
                                  ["-c", "ulimit -n 1024 && exec \"$0\" \"$@\"", executable.path,
                                   "--database-url", url, "--metrics-address", "127.0.0.1:0"] + extra)
    }

    /// Before: 1,100 half-open connections took every descriptor: /healthz timed out and the
    /// worker, cut off from PostgreSQL, could not reconnect and recorded nothing.
    func testSlowlorisLeavesHealthzAndVerdictsAlone() throws {
        let db = try TestDatabase()
        _ = try db.queue().enqueue((0..<40).map { NewJob(image: Script.sleep(100, $0)) })
        let w = try worker(db.url, ["--batch-size", "4", "--retry-base", "0.1"])
        let port = try w.endpointPort()
        XCTAssertTrue(try eventually(timeout: 10) { try HTTPGet(port: port, path: "/healthz").status == 200 }, w.stderr)
        ProcessFigures.raiseOpenFileLimit(to: 4096)
        let start = Date()
        var slow: [LoopbackConnection] = []
        for _ in 0..<1100 {
            guard let c = try? LoopbackConnection(port: port) else { break }
            c.send("GET /metrics HTTP/1.1\r\nHost: 12")
            slow.append(c)
        }
        // Every database connection of the worker must now be made again, under attack.
        XCTAssertGreaterThan(try db.scalar("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
            """), 0)
        let asked = Date()
        let health = try LoopbackConnection.status(port: port, path: "/healthz", timeout: 2)
        let latency = Date().timeIntervalSince(asked)
        let descriptors = ProcessFigures.openFiles(pid: w.process.processIdentifier)
        XCTAssertEqual(health, 200, w.stderr)
        XCTAssertTrue(try eventually(timeout: 30) { try db.scalar("SELECT count(*) FROM sigverify.verdicts") == 40 }, w.stderr)
        print("slowloris on a worker: \(slow.count) connections; /healthz \(health ?? 0) in \(String(format: "%.3f", latency)) s; "
              + "\(descriptors) descriptors open; 40 verdicts after \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        XCTAssertLessThan(descriptors, 200)
        let evicted = try HTTPGet(port: port, path: "/metrics").sample(#"sigverify_endpoint_connections_closed_total{reason="evicted"}"#)
        XCTAssertGreaterThanOrEqual(evicted ?? 0, Double(slow.count - 64), "the cap's evictions are counted")
        w.signal(SIGTERM)
        XCTAssertEqual(w.waitForExit(timeout: 15), 0, w.stderr)
    }

    /// Before: answers to pipelined /metrics requests queued without bound (59 MB → 2.4 GB in 20 s,
    /// kept after the client left). Bounded here to 20,000 requests so that the old server survives.
    func testAPipelinerThatNeverReadsDoesNotGrowTheWorker() throws {
        let db = try TestDatabase()
        let w = try worker(db.url)
        let port = try w.endpointPort()
        XCTAssertTrue(try eventually(timeout: 10) { try HTTPGet(port: port, path: "/metrics").status == 200 }, w.stderr)
        let pid = w.process.processIdentifier
        let before = ProcessFigures.residentBytes(pid: pid)
        let pipeliner = try LoopbackConnection(port: port)
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        let all = [UInt8]((0..<20_000).map { _ in request }.joined())
        var sent = 0
        let deadline = Date(timeIntervalSinceNow: 5)
        while sent < all.count, Date() < deadline {
            let n = pipeliner.sendWithoutBlocking(all[sent...])
            sent += n
            if n == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
        Thread.sleep(forTimeInterval: 2)
        let during = ProcessFigures.residentBytes(pid: pid)
        XCTAssertEqual(try LoopbackConnection.status(port: port, path: "/healthz", timeout: 2), 200)
        pipeliner.close()
        Thread.sleep(forTimeInterval: 1)
        let after = ProcessFigures.residentBytes(pid: pid)
        print("pipeliner on a worker: \(sent / request.count) requests; RSS \(before >> 20) MB before, "
              + "\(during >> 20) MB during, \(after >> 20) MB after")
        XCTAssertLessThan(during - before, 64 << 20, "grew by \((during - before) >> 20) MB")
        XCTAssertLessThan(after - before, 32 << 20, "still \((after - before) >> 20) MB more after the client left")
        w.signal(SIGTERM)
        XCTAssertEqual(w.waitForExit(timeout: 15), 0, w.stderr)
    }
}
