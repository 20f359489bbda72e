import CoreMetrics
import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers each request once its head and end have arrived. A request that announces a body (none
/// is accepted: GET/HEAD only) is answered 413 at its head and the connection closed, before any
/// of the body is read. With a thread pool, answers are computed there (they may block, e.g. on
/// the database), one request of a connection at a time and in order; meanwhile nothing more is
/// read from that client, so a client pipelining requests queues at most one read's worth.
final class RouteHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: EndpointHandler
    private let pool: NIOThreadPool?
    private let refusedBodies: Counter
    private var head: HTTPRequestHead?
    private var closing = false
    /// Complete requests not answered yet (with a pool), each with its answer when it needs no
    /// handler (a refused body), so answers keep the requests' order.
    private var waiting = CircularBuffer<(head: HTTPRequestHead, refusal: EndpointResponse?)>()
    private var answering = false
    private var readHeld = false

    init(handler: @escaping EndpointHandler, pool: NIOThreadPool?, refusedBodies: Counter) {
        self.handler = handler
        self.pool = pool
        self.refusedBodies = refusedBodies
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let requestHead) where requestHead.announcesBody:
            closing = true
            refusedBodies.increment()
            if pool == nil || (!answering && waiting.isEmpty) {
                respond(context, requestHead, .payloadTooLarge, keepAlive: false)
            } else {
                waiting.append((requestHead, .payloadTooLarge))
            }
        case .head(let requestHead): head = requestHead
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            closing = !request.isKeepAlive
            if pool == nil {
                respond(context, request, response(to: request), keepAlive: request.isKeepAlive)
            } else {
                waiting.append((request, nil))
                answerNext(context)
            }
        }
    }

    func read(context: ChannelHandlerContext) {
        if pool != nil && (answering || !waiting.isEmpty) {
            readHeld = true
        } else {
            context.read()
        }
    }

    /// Computes the next waiting request's answer on the pool, then sends it and goes on.
    private func answerNext(_ context: ChannelHandlerContext) {
        guard !answering, let pool else { return }
        guard let (request, refusal) = waiting.popFirst() else {
            if readHeld {
                readHeld = false
                context.read()
            }
            return
        }
        if let refusal { return respond(context, request, refusal, keepAlive: false) }
        answering = true
        let handler = handler, endpointRequest = request.endpointRequest, allowed = request.method == .GET || request.method == .HEAD
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pool.runIfActive(eventLoop: context.eventLoop) { allowed ? handler(endpointRequest) : .methodNotAllowed }.whenComplete { result in
            let (route, context) = bound.value
            route.answering = false
            let response = (try? result.get()) ?? EndpointResponse(status: 503, body: Array("shutting down\n".utf8))
            route.respond(context, request, response, keepAlive: request.isKeepAlive)
            route.answerNext(context)
        }
    }

    private func response(to request: HTTPRequestHead) -> EndpointResponse {
        guard request.method == .GET || request.method == .HEAD else { return .methodNotAllowed }
        return handler(request.endpointRequest)
    }

    private func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ response: EndpointResponse, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) where !(name + value).hasControlCharacter {
            headers.add(name: name, value: value)
        }
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

    /// The route's view of this head: path and query split at the first `?`, headers by lowercased name.
    var endpointRequest: EndpointRequest {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var named: [String: String] = [:]
        for (name, value) in headers where named[name.lowercased()] == nil { named[name.lowercased()] = value }
        return EndpointRequest(method: method.rawValue, path: parts.first.map(String.init) ?? uri,
                               query: parts.count > 1 ? String(parts[1]) : "", headers: named)
    }
}

extension String {
    /// Holds a C0 control character or DEL (CR and LF among them): unfit for a header line.
    var hasControlCharacter: Bool { unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }
}
