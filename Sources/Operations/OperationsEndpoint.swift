import CoreMetrics
import Foundation
import Logging
import Prometheus
import Worker

/// `work --metrics-address`: Prometheus metrics, liveness and readiness over HTTP.
///   /metrics  every swift-metrics metric of the process, Prometheus text format
///   /healthz  200 while every worker loop made progress within `livenessTimeout`, else 503 naming the stalled ones
///   /readyz   200 once the model is loaded and the database answered within the last few seconds, else 503 with why
/// Create it before the `Worker` (it bootstraps the metrics system, once per process), then
/// `modelLoaded()` and `watch(worker)`.
public final class OperationsEndpoint: Sendable {
    public let address: EndpointAddress
    private let server: HTTPEndpointServer
    private let probe: DatabaseProbe
    private let state = EndpointState()

    public init(address: EndpointAddress, databaseURL: String, livenessTimeout: Double, limits: EndpointLimits = EndpointLimits(),
                logger: Logger = Logger(label: "sigverify.operations")) throws(OperationsError) {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let probe = DatabaseProbe(url: databaseURL, logger: logger)
        let state = self.state
        server = try HTTPEndpointServer(address: address, routes: [
            "/metrics": { EndpointResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer()) },
            "/healthz": { .check(state.livenessProblems(timeout: livenessTimeout), healthy: "ok") },
            "/readyz": { .check(state.readinessProblems() + [probe.problem()].compactMap { $0 }, healthy: "ready") },
        ], limits: limits)
        self.probe = probe
        self.address = server.address
        probe.start()
        logger.info("operations endpoint listening", metadata: [
            "address": "\(server.address)", "paths": "/metrics /healthz /readyz", "liveness_timeout_s": "\(livenessTimeout)",
            "max_connections": "\(limits.maxConnections)",
        ])
    }

    /// The model bundle is loaded: readiness no longer waits for it.
    public func modelLoaded() { state.setModelLoaded() }

    /// Liveness follows this worker's loops from now on.
    public func watch(_ worker: Worker) { state.watch(worker) }

    public func shutdown() {
        server.shutdown()
        probe.stop()
    }
}

/// What liveness and readiness know about the worker, set as it starts. Thread-safe.
final class EndpointState: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded = false
    private var worker: Worker?

    func setModelLoaded() {
        lock.lock()
        loaded = true
        lock.unlock()
    }

    func watch(_ worker: Worker) {
        lock.lock()
        self.worker = worker
        lock.unlock()
    }

    func readinessProblems() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return loaded ? [] : ["model not loaded yet"]
    }

    func livenessProblems(timeout: Double) -> [String] {
        lock.lock()
        let watched = worker
        lock.unlock()
        return (watched?.stalledLoops(after: timeout) ?? []).map {
            "stalled: \($0.loop) made no progress for \(String(format: "%.1f", $0.seconds)) s (limit \(timeout) s)"
        }
    }
}
