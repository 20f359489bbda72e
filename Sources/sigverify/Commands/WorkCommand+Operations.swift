import ArgumentParser
import Logging
import Operations
import Worker

extension NotifyMode: ExpressibleByArgument {}

/// `work`'s operations options (issue 14): the metrics/health endpoint and LISTEN/NOTIFY mode.
struct OperationsOptions: ParsableArguments {
    @Option(help: "Serve /metrics (Prometheus), /healthz and /readyz over HTTP on HOST:PORT, e.g. 127.0.0.1:9464 (default: none).")
    var metricsAddress: String?
    @Option(help: "/healthz answers 503 once a worker loop has made no progress for this many seconds.")
    var livenessTimeout = 180.0
    @Option(help: "Wait for NOTIFY when idle: auto (not through a pooler such as PgBouncer), on, or off (poll every --poll-interval).")
    var notify: NotifyMode = .auto

    func validate() throws {
        guard livenessTimeout > 0 else { throw ValidationError("--liveness-timeout must be positive") }
        if let metricsAddress {
            do { _ = try EndpointAddress(parsing: metricsAddress) } catch { throw ValidationError("\(error)") }
        }
    }

    /// Starts the endpoint (bootstrapping Prometheus metrics) when --metrics-address was given.
    /// Call before creating the `Worker`, whose metrics bind to the backend at creation.
    func startEndpoint(databaseURL: String) throws -> OperationsEndpoint? {
        guard let metricsAddress else { return nil }
        return try OperationsEndpoint(address: EndpointAddress(parsing: metricsAddress), databaseURL: databaseURL,
                                      livenessTimeout: livenessTimeout)
    }
}
