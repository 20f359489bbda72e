import CoreMetrics
import NIOCore
import NIOHTTP1

/// Answers each request from the route table once its head and end have arrived. A request that
/// announces a body (none is accepted: GET/HEAD only) is answered 413 at its head and the
/// connection closed, before any of the body is read.
final class RouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: [String: EndpointRoute]
    private let refusedBodies: Counter
    private var head: HTTPRequestHead?
    private var closing = false

    init(routes: [String: EndpointRoute], refusedBodies: Counter) {
        self.routes = routes
        self.refusedBodies = refusedBodies
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let requestHead) where requestHead.announcesBody:
            closing = true
            refusedBodies.increment()
            respond(context, requestHead, .payloadTooLarge, keepAlive: false)
        case .head(let requestHead): head = requestHead
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            closing = !request.isKeepAlive
            respond(context, request, response(to: request), keepAlive: request.isKeepAlive)
        }
    }

    private func response(to request: HTTPRequestHead) -> EndpointResponse {
        guard request.method == .GET || request.method == .HEAD else { return .methodNotAllowed }
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        return routes[path]?() ?? .notFound
    }

    private func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ response: EndpointResponse, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
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

extension HTTPRequestHead {
    /// A body follows the head: chunked, or a non-zero Content-Length.
    var announcesBody: Bool {
        headers.contains(name: "transfer-encoding") || headers["content-length"].contains { $0 != "0" }
    }
}
