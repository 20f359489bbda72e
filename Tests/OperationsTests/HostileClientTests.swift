import DatabaseTestSupport
import Foundation
import Operations
import TestSupport
import XCTest

/// Issue 19, findings 3 and 4: what one hostile client could cost the operations endpoint (the
/// HTTP server in this test process, on 127.0.0.1): a pipeliner that never reads its answers,
/// slowloris connections, idle keep-alive connections, oversized heads and request bodies.
final class HostileClientTests: XCTestCase {
    /// A 16 KiB /metrics answer (a real one is 5–20 KiB) and a tiny /healthz.
    private static let metricsBody = EndpointResponse(status: 200, body: [UInt8](repeating: UInt8(ascii: "m"), count: 16_384))

    private func server(_ limits: EndpointLimits = EndpointLimits()) throws -> HTTPEndpointServer {
        let metrics = Self.metricsBody
        let server = try HTTPEndpointServer(address: EndpointAddress(host: "127.0.0.1", port: 0), routes: [
            "/metrics": { metrics },
            "/healthz": { .check([], healthy: "ok") },
        ], limits: limits)
        addTeardownBlock { server.shutdown() }
        return server
    }

    /// Sends up to `count` pipelined `GET /metrics` within `seconds`, reading nothing; how many went out.
    private func pipeline(_ connection: LoopbackConnection, count: Int, seconds: Double) -> Int {
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        let all = [UInt8]((0..<count).map { _ in request }.joined())
        var sent = 0
        let deadline = Date(timeIntervalSinceNow: seconds)
        while sent < all.count, Date() < deadline {
            let n = connection.sendWithoutBlocking(all[sent...])
            sent += n
            if n == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
        return sent / request.count
    }

    /// Before: 20,000 pipelined requests queued 20,000 answers (≈ 330 MB here; 2.4 GB in 20 s in
    /// the report). Now the server stops answering and reading at 64 KiB of unsent answers.
    func testAPipelinerThatNeverReadsCostsBoundedMemoryAndGivesItBack() throws {
        let server = try server()
        XCTAssertEqual(try LoopbackConnection.status(port: server.address.port, path: "/metrics"), 200)  // warm up
        let before = ProcessFigures.residentBytes()
        let pipeliner = try LoopbackConnection(port: server.address.port)
        let sent = pipeline(pipeliner, count: 20_000, seconds: 5)
        Thread.sleep(forTimeInterval: 1.5)  // the server answers what it will
        let during = ProcessFigures.residentBytes()
        XCTAssertEqual(try LoopbackConnection.status(port: server.address.port, path: "/healthz"), 200, "healthz during the attack")
        pipeliner.close()
        Thread.sleep(forTimeInterval: 1)
        let after = ProcessFigures.residentBytes()
        print("pipeliner: \(sent) requests sent; RSS \(before >> 20) MB before, \(during >> 20) MB during, \(after >> 20) MB after")
        XCTAssertLessThan(during - before, 64 << 20, "grew by \((during - before) >> 20) MB while the pipeliner was connected")
        XCTAssertLessThan(after - before, 32 << 20, "still \((after - before) >> 20) MB more after it left")
        XCTAssertEqual(try LoopbackConnection.status(port: server.address.port, path: "/healthz"), 200, "healthz after the attack")
        XCTAssertTrue(eventually(timeout: 2) { server.openConnections == 0 }, "\(server.openConnections) connections left")
    }

    /// A client that never reads does not keep its connection: the idle (or head) timeout closes it.
    func testAPipelinerThatNeverReadsIsClosedByTheTimeouts() throws {
        let server = try server(EndpointLimits(requestHeadTimeout: 1, idleTimeout: 1))
        let pipeliner = try LoopbackConnection(port: server.address.port)
        _ = pipeline(pipeliner, count: 20_000, seconds: 2)
        XCTAssertTrue(eventually(timeout: 5) { server.openConnections == 0 }, "\(server.openConnections) connections open")
    }

    /// Backpressure only pauses: a client that reads late gets every answer, in order.
    func testAPipelinerThatReadsLateGetsEveryAnswer() throws {
        let server = try server()
        let connection = try LoopbackConnection(port: server.address.port)
        XCTAssertEqual(pipeline(connection, count: 2000, seconds: 5), 2000)
        connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.5)
        let answers = String(decoding: connection.read(timeout: 30), as: UTF8.self)  // until the server closes
        XCTAssertEqual(answers.components(separatedBy: "HTTP/1.1 200 OK\r\n").count - 1, 2001)
        XCTAssertTrue(answers.hasSuffix("\r\n\r\nok\n"), "the last answer is /healthz's: \(answers.suffix(100))")
    }

    /// Before: every connection was kept for ever (1,100 exhausted a 1,024-descriptor worker).
    /// Now at most 64 stay open, a health check still gets through at once, and a request head
    /// not complete within the head timeout closes its connection.
    func testSlowlorisConnectionsAreCappedAndTimedOutWhileHealthzAnswers() throws {
        ProcessFigures.raiseOpenFileLimit(to: 4096)
        let server = try server(EndpointLimits(maxConnections: 64, requestHeadTimeout: 4))
        var slow: [LoopbackConnection] = []
        for _ in 0..<1100 {
            guard let c = try? LoopbackConnection(port: server.address.port) else { break }
            c.send("GET /healthz HTTP/1.1\r\nHost: 127")
            slow.append(c)
        }
        XCTAssertEqual(slow.count, 1100)
        let start = Date()
        XCTAssertEqual(try LoopbackConnection.status(port: server.address.port, path: "/healthz", timeout: 2), 200)
        let latency = Date().timeIntervalSince(start)
        XCTAssertLessThan(latency, 2)
        XCTAssertTrue(eventually(timeout: 2) { slow.filter { !$0.closedByPeer }.count <= 64 },
                      "\(slow.filter { !$0.closedByPeer }.count) slow connections still open")
        XCTAssertLessThanOrEqual(server.openConnections, 64)
        print("slowloris: /healthz in \(String(format: "%.3f", latency)) s with 1,100 slow connections; "
              + "\(slow.filter { !$0.closedByPeer }.count) of them open")
        XCTAssertTrue(eventually(timeout: 8) { slow.allSatisfy { $0.closedByPeer } }, "the head timeout closes the rest")
        XCTAssertTrue(eventually(timeout: 2) { server.openConnections == 0 })
    }

    func testAnIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws {
        let server = try server(EndpointLimits(idleTimeout: 1))
        let connection = try LoopbackConnection(port: server.address.port)
        connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        XCTAssertEqual(LoopbackConnection.statusCode(connection.read(timeout: 5) { $0.count >= 20 }), 200)
        let start = Date()
        XCTAssertTrue(eventually(timeout: 5) { connection.closedByPeer })
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.5)
    }

    func testAnOversizedHeadIsRefusedWith431() throws {
        let server = try server()
        let connection = try LoopbackConnection(port: server.address.port)
        connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: \(String(repeating: "f", count: 9000))\r\n\r\n")
        XCTAssertEqual(LoopbackConnection.statusCode(connection.read(timeout: 5)), 431)
        XCTAssertTrue(eventually(timeout: 2) { connection.closedByPeer })
        // Just under the limit still works.
        let fits = try LoopbackConnection(port: server.address.port)
        fits.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Filler: \(String(repeating: "f", count: 8000))\r\n\r\n")
        XCTAssertEqual(LoopbackConnection.statusCode(fits.read(timeout: 5)), 200)
    }

    func testARequestBodyIsRefusedWith413BeforeItIsRead() throws {
        let server = try server()
        for announce in ["Content-Length: 100000000", "Transfer-Encoding: chunked"] {
            let connection = try LoopbackConnection(port: server.address.port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\(announce)\r\n\r\nxxxx")
            XCTAssertEqual(LoopbackConnection.statusCode(connection.read(timeout: 5)), 413, announce)
            XCTAssertTrue(eventually(timeout: 2) { connection.closedByPeer }, announce)
        }
    }
}

/// Polls `condition` until true or `timeout` seconds pass.
private func eventually(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
