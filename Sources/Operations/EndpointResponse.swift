/// What one route answers: a status code, a body of `contentType` and any further headers.
public struct EndpointResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Sent after Content-Type, Content-Length and Cache-Control; a name or value holding a
    /// control character (CR, LF, …) is dropped rather than sent.
    public var headers: [String: String]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// 200 with `text`, or 503 with the reasons, one per line.
    public static func check(_ problems: [String], healthy: String) -> EndpointResponse {
        problems.isEmpty
            ? EndpointResponse(status: 200, body: Array((healthy + "\n").utf8))
            : EndpointResponse(status: 503, body: Array((problems.joined(separator: "\n") + "\n").utf8))
    }

    static let notFound = EndpointResponse(status: 404, body: Array("not found: try /metrics, /healthz or /readyz\n".utf8))
    static let methodNotAllowed = EndpointResponse(status: 405, body: Array("only GET and HEAD\n".utf8))
    static let payloadTooLarge = EndpointResponse(status: 413, body: Array("no request body accepted\n".utf8))
}

/// A GET route's answer, computed on the server's event loop: keep it quick and non-blocking.
public typealias EndpointRoute = @Sendable () -> EndpointResponse
