import CoreMetrics

/// `sigverify_endpoint_connections_closed_total{reason}`: connections the endpoint closed to bound
/// a client's cost (EndpointLimits), by reason. A rising `evicted` or `head_timeout` is an attack
/// or a misbehaving scraper.
struct ClosedConnections: Sendable {
    /// Over the connection cap: the connection longest without an answer made room for a new one.
    let evicted = Self.counter("evicted")
    /// A request head not complete within the head timeout (408).
    let headTimeout = Self.counter("head_timeout")
    /// A request head over the size limit (431).
    let headTooLarge = Self.counter("head_too_large")
    /// A request announcing a body (413).
    let body = Self.counter("body")
    /// Nothing read or written for the idle timeout.
    let idle = Self.counter("idle")

    private static func counter(_ reason: String) -> Counter {
        Counter(label: "sigverify_endpoint_connections_closed_total", dimensions: [("reason", reason)])
    }
}
