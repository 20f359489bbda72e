/// What a request-aware route sees of one GET or HEAD request: its path, its query and its headers.
public struct EndpointRequest: Sendable, Equatable {
    public var method: String
    /// The path before any `?`, as sent (percent-encoded).
    public var path: String
    /// What follows the first `?`, as sent; empty when none.
    public var query: String
    /// Header values by lowercased name (the first of repeated headers).
    public var headers: [String: String]

    public init(method: String = "GET", path: String, query: String = "", headers: [String: String] = [:]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The value of header `name` (any case), or nil.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Answers any GET or HEAD request. The server calls it on its event loop, or on one of its
/// blocking threads when it was started with some (`HTTPEndpointServer(blockingThreads:)`).
public typealias EndpointHandler = @Sendable (EndpointRequest) -> EndpointResponse
