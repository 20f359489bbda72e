/// What one client may cost the operations endpoint (issue 19, "hostile neighbours"): open
/// connections, time to send a request head, idle keep-alive time, head size and output buffered
/// for a client that does not read. The defaults suit a Prometheus scraper and a health checker.
public struct EndpointLimits: Sendable, Equatable {
    /// Open connections at most. A new connection beyond it closes the one that has gone longest
    /// without an answered request, so clients that hold a slot without asking (slowloris) or
    /// without reading cannot lock out a health check.
    public var maxConnections: Int
    /// Seconds a request head (request line and headers) may take, from its first byte, or from
    /// the connection's opening for the first request; then the connection is closed (408).
    public var requestHeadTimeout: Double
    /// Seconds a connection may go without reading or writing anything (an idle keep-alive
    /// connection, a client that stopped reading its answers); then it is closed.
    public var idleTimeout: Double
    /// Bytes a request head may have (request line and headers); a longer one is answered 431
    /// and the connection closed. Requests with a body are answered 413 and closed.
    public var maxRequestHeadBytes: Int
    /// Answer bytes queued for a connection before the server stops answering (and reading) until
    /// the client has read some (the channel's high water mark; it resumes below half of it).
    public var maxBufferedResponseBytes: Int

    public init(maxConnections: Int = 64, requestHeadTimeout: Double = 10, idleTimeout: Double = 30,
                maxRequestHeadBytes: Int = 8192, maxBufferedResponseBytes: Int = 64 * 1024) {
        self.maxConnections = max(1, maxConnections)
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.maxRequestHeadBytes = max(64, maxRequestHeadBytes)
        self.maxBufferedResponseBytes = max(1024, maxBufferedResponseBytes)
    }
}
