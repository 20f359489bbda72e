import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 server (SwiftNIO, one event-loop thread) answering GET/HEAD on a fixed set
/// of paths; everything else is 404 (unknown path) or 405 (other methods).
public final class HTTPEndpointServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The bound address (the real port when 0 was asked for).
    public let address: EndpointAddress

    public init(address: EndpointAddress, routes: [String: EndpointRoute]) throws(OperationsError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RouteHandler(routes: routes))
                }
            }
        do {
            channel = try bootstrap.bind(host: address.host, port: address.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw .cannotListen(address: address.description, reason: "\(error)")
        }
        self.group = group
        self.address = EndpointAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
    }

    /// Stops listening and closes open connections.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// Answers each request from the route table once its head and body have arrived.
final class RouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: [String: EndpointRoute]
    private var head: HTTPRequestHead?

    init(routes: [String: EndpointRoute]) { self.routes = routes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead): head = requestHead
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(context, request, response(to: request))
        }
    }

    private func response(to request: HTTPRequestHead) -> EndpointResponse {
        guard request.method == .GET || request.method == .HEAD else { return .methodNotAllowed }
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        return routes[path]?() ?? .notFound
    }

    private func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ response: EndpointResponse) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
