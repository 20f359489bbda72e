import CoreMetrics
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 server (SwiftNIO, one event-loop thread) answering GET/HEAD on a fixed set
/// of paths (or through one request-aware handler); everything else is 404 (unknown path) or 405
/// (other methods). Each client's cost is bounded by `EndpointLimits`: connections, head size and
/// time, idle time, buffered answers.
public final class HTTPEndpointServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let pool: NIOThreadPool?
    private let channel: any Channel
    private let limiter: ConnectionLimiter
    /// The bound address (the real port when 0 was asked for).
    public let address: EndpointAddress

    /// Quick, non-blocking routes by exact path, answered on the event loop.
    public convenience init(address: EndpointAddress, routes: [String: EndpointRoute], limits: EndpointLimits = EndpointLimits())
        throws(OperationsError) {
        try self.init(address: address, blockingThreads: 0, limits: limits) { routes[$0.path]?() ?? .notFound }
    }

    /// Every GET/HEAD request through `handler`: on the event loop when `blockingThreads` is 0, else
    /// on a pool of that many threads (a handler that blocks, e.g. on a database).
    public init(address: EndpointAddress, blockingThreads: Int, limits: EndpointLimits = EndpointLimits(),
                handler: @escaping EndpointHandler) throws(OperationsError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = blockingThreads > 0 ? NIOThreadPool(numberOfThreads: blockingThreads) : nil
        pool?.start()
        let limiter = ConnectionLimiter(capacity: limits.maxConnections)
        let bootstrap = Self.bootstrap(group: group, limits: limits, limiter: limiter, closed: ClosedConnections(),
                                       route: Route(handler: handler, pool: pool))
        do {
            channel = try bootstrap.bind(host: address.host, port: address.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            try? pool?.syncShutdownGracefully()
            throw .cannotListen(address: address.description, reason: "\(error)")
        }
        self.group = group
        self.pool = pool
        self.limiter = limiter
        self.address = EndpointAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
    }

    /// Connections open now (at most `limits.maxConnections`).
    public var openConnections: Int { limiter.openConnections }

    /// Stops listening and closes open connections.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        try? pool?.syncShutdownGracefully()
    }

    /// How every connection answers: the handler, and the pool it runs on (nil: the event loop).
    private struct Route: Sendable {
        let handler: EndpointHandler
        let pool: NIOThreadPool?
    }

    private static func bootstrap(group: MultiThreadedEventLoopGroup, limits: EndpointLimits, limiter: ConnectionLimiter,
                                  closed: ClosedConnections, route: Route) -> ServerBootstrap {
        let high = limits.maxBufferedResponseBytes
        return ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: high / 2, high: high))
            // One read per wake-up, of at most 8 KiB: what can queue in RequestPacer before it stops reading.
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 8192))
            .childChannelInitializer { channel in
                if let evicted = limiter.admit(channel) {
                    closed.evicted.increment()
                    evicted.close(promise: nil)
                }
                channel.closeFuture.whenComplete { _ in limiter.release(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try addHandlers(to: channel.pipeline.syncOperations, limits: limits, limiter: limiter, closed: closed, route: route)
                }
            }
    }

    /// Raw bytes: head guard, idle timeout; HTTP: codec and 400 on malformed requests; then
    /// progress for the limiter, backpressure and the routes.
    private static func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations, limits: EndpointLimits,
                                    limiter: ConnectionLimiter, closed: ClosedConnections, route: Route) throws {
        try pipeline.addHandler(RequestHeadGuard(maxBytes: limits.maxRequestHeadBytes, timeout: .fromSeconds(limits.requestHeadTimeout),
                                                 closed: closed))
        try pipeline.addHandler(IdleStateHandler(allTimeout: .fromSeconds(limits.idleTimeout)))
        try pipeline.addHandler(IdleConnectionCloser(closed: closed.idle))
        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
        try pipeline.addHandler(ConnectionProgress(limiter: limiter))
        try pipeline.addHandler(RequestPacer())
        try pipeline.addHandler(RouteHandler(handler: route.handler, pool: route.pool, refusedBodies: closed.body))
    }
}

/// Closes the connection when IdleStateHandler reports it idle.
final class IdleConnectionCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let closed: Counter

    init(closed: Counter) { self.closed = closed }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            closed.increment()
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

extension TimeAmount {
    static func fromSeconds(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64((max(0, seconds) * 1e9).rounded())) }
}
