import Logging
import Operations

/// `sigverify console`: the read-only web console, served by the operations endpoint's HTTP
/// server (same per-client bounds) with its answers computed on `connections` threads, each with
/// its own database session acting as `sigverify_auditor`.
public final class Console: Sendable {
    public let address: EndpointAddress
    private let server: HTTPEndpointServer

    /// Refuses to start beyond loopback without credentials, with a login that cannot act as the
    /// auditor, or when the database cannot be reached.
    public init(_ configuration: ConsoleConfiguration, logger: Logger = Logger(label: "sigverify.console")) throws {
        try configuration.check()
        let pool = AuditorPool(url: configuration.databaseURL)
        try pool.check()
        let router = ConsoleRouter(configuration: configuration, pool: pool)
        server = try HTTPEndpointServer(address: configuration.address, blockingThreads: configuration.connections,
                                        limits: configuration.limits) { router.respond(to: $0) }
        address = server.address
        logger.info("console listening", metadata: [
            "address": "\(address)", "authorization": "\(configuration.credentials.map { "\($0.scheme)" } ?? "none (loopback)")",
            "connections": "\(configuration.connections)",
        ])
    }

    public func shutdown() { server.shutdown() }
}

extension ConsoleCredentials {
    /// `bearer` or `basic`, for the log (never the secret).
    var scheme: String {
        switch self {
        case .bearer: return "bearer"
        case .basic: return "basic"
        }
    }
}
