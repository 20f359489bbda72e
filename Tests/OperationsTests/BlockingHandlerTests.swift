import Foundation
import Operations
import TestSupport
import XCTest

/// The server with a request-aware handler on a thread pool (what `sigverify console` uses):
/// slow answers computed off the event loop still go out in the requests' order, a pipelining
/// client is read no further while its answers are computed, and a refused body waits its turn.
final class BlockingHandlerTests: XCTestCase {
    /// `/slow/N` sleeps N ms, then answers its path and query; other paths 404.
    private func server() throws -> HTTPEndpointServer {
        let server = try HTTPEndpointServer(address: EndpointAddress(host: "127.0.0.1", port: 0), blockingThreads: 2) { request in
            guard request.path.hasPrefix("/slow/"), let ms = UInt32(request.path.dropFirst(6)) else {
                return EndpointResponse(status: 404, body: Array("nothing\n".utf8))
            }
            usleep(ms * 1000)
            return EndpointResponse(status: 200, body: Array("\(request.path)?\(request.query)\n".utf8), headers: ["X-Bad": "a\r\nInjected: 1"])
        }
        addTeardownBlock { server.shutdown() }
        return server
    }

    func testPipelinedAnswersKeepTheRequestsOrder() throws {
        let connection = try LoopbackConnection(port: try server().address.port)
        connection.send((["/slow/300?a", "/slow/10?b", "/slow/100?c"].map { "GET \($0) HTTP/1.1\r\nHost: x\r\n\r\n" }).joined())
        let answers = String(decoding: connection.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("/slow/100?c\n") },
                             as: UTF8.self)
        let order = ["/slow/300?a\n", "/slow/10?b\n", "/slow/100?c\n"].map { answers.range(of: $0)?.lowerBound }
        XCTAssertEqual(order.compactMap { $0 }.count, 3, answers)
        XCTAssertEqual(order.compactMap { $0 }, order.compactMap { $0 }.sorted(), "answers in request order")
        XCTAssertFalse(answers.contains("Injected"), "a header value holding CR or LF is dropped")
    }

    func testABodyRefusedBehindAPendingAnswerComesAfterIt() throws {
        let connection = try LoopbackConnection(port: try server().address.port)
        connection.send("GET /slow/200?first HTTP/1.1\r\nHost: x\r\n\r\nPOST /slow/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        let answers = String(decoding: connection.read(timeout: 5), as: UTF8.self)
        let first = try XCTUnwrap(answers.range(of: "/slow/200?first\n"), answers)
        let refused = try XCTUnwrap(answers.range(of: "HTTP/1.1 413"), answers)
        XCTAssertLessThan(first.lowerBound, refused.lowerBound)
    }
}
