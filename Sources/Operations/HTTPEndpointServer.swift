import CoreMetrics
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 server (SwiftNIO, one event-loop thread) answering GET/HEAD on a fixed set
/// of paths; everything else is 404 (unknown path) or 405 (other methods). Each client's cost is
/// bounded by `EndpointLimits`: connections, head size and time, idle time, buffered answers.
public final class HTTPEndpointServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let limiter: ConnectionLimiter
    /// The bound address (the real port when 0 was asked for).
    public let address: EndpointAddress

    public init(address: EndpointAddress, routes: [String: EndpointRoute], limits: EndpointLimits = EndpointLimits())
        throws(OperationsError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let limiter = ConnectionLimiter(capacity: limits.maxConnections)
        let bootstrap = Self.bootstrap(group: group, limits: limits, limiter: limiter, closed: ClosedConnections(), routes: routes)
        do {
            channel = try bootstrap.bind(host: address.host, port: address.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw .cannotListen(address: address.description, reason: "\(error)")
        }
        self.group = group
        self.limiter = limiter
        self.address = EndpointAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
    }

    /// Connections open now (at most `limits.maxConnections`).
    public var openConnections: Int { limiter.openConnections }

    /// Stops listening and closes open connections.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    private static func bootstrap(group: MultiThreadedEventLoopGroup, limits: EndpointLimits, limiter: ConnectionLimiter,
                                  closed: ClosedConnections, routes: [String: EndpointRoute]) -> ServerBootstrap {
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
                    try addHandlers(to: channel.pipeline.syncOperations, limits: limits, limiter: limiter, closed: closed, routes: routes)
                }
            }
    }

    /// Raw bytes: head guard, idle timeout; HTTP: codec and 400 on malformed requests; then
    /// progress for the limiter, backpressure and the routes.
    private static func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations, limits: EndpointLimits,
                                    limiter: ConnectionLimiter, closed: ClosedConnections, routes: [String: EndpointRoute]) throws {
        try pipeline.addHandler(RequestHeadGuard(maxBytes: limits.maxRequestHeadBytes, timeout: .fromSeconds(limits.requestHeadTimeout),
                                                 closed: closed))
        try pipeline.addHandler(IdleStateHandler(allTimeout: .fromSeconds(limits.idleTimeout)))
        try pipeline.addHandler(IdleConnectionCloser(closed: closed.idle))
        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
        try pipeline.addHandler(ConnectionProgress(limiter: limiter))
        try pipeline.addHandler(RequestPacer())
        try pipeline.addHandler(RouteHandler(routes: routes, refusedBodies: closed.body))
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
