import NIOCore

/// First in a connection's pipeline, on the raw bytes: a request head (request line and headers)
/// may be at most `maxBytes` long and must be complete within `timeout` of its first byte (of the
/// connection's opening, for the first request). Otherwise the client gets 431 or 408 and the
/// connection is closed: a slowloris client that drips a head byte by byte holds its connection
/// for `timeout` at most. Requests carry no body here (RouteHandler refuses them), so what follows
/// a head's blank line is the next head.
final class RequestHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let maxBytes: Int
    private let timeout: TimeAmount
    private let closed: ClosedConnections
    private var scanner = HeadScanner()
    private var deadline: Scheduled<Void>?
    private var refused = false

    init(maxBytes: Int, timeout: TimeAmount, closed: ClosedConnections) {
        self.maxBytes = maxBytes
        self.timeout = timeout
        self.closed = closed
    }

    func channelActive(context: ChannelHandlerContext) {
        startClock(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopClock()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stopClock() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let scan = unwrapInboundIn(data).withUnsafeReadableBytes { scanner.scan($0, limit: maxBytes) }
        guard !scan.overLimit else {
            closed.headTooLarge.increment()
            return refuse(context, "431 Request Header Fields Too Large")
        }
        if scan.headEnded { stopClock() }
        if scanner.pendingBytes > 0 { startClock(context) }
        context.fireChannelRead(data)
    }

    private func startClock(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.deadline = nil
            handler.closed.headTimeout.increment()
            handler.refuse(context, "408 Request Timeout")
        }
    }

    private func stopClock() {
        deadline?.cancel()
        deadline = nil
    }

    /// Answers `status` (raw bytes, below the HTTP encoder: the routes never saw this request) and
    /// closes; closes at once when earlier answers are still unread (the refusal would wait behind them).
    private func refuse(_ context: ChannelHandlerContext, _ status: String) {
        guard !refused else { return }
        refused = true
        stopClock()
        guard context.channel.isWritable else { return context.close(promise: nil) }
        let text = "HTTP/1.1 \(status)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text))).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }
}

/// Follows request heads through a byte stream, across reads: each ends at a blank line (CRLF
/// CRLF, or a bare LF LF as lenient parsers accept) and may not be longer than a limit.
struct HeadScanner {
    struct Result {
        var headEnded = false
        var overLimit = false
    }

    private enum State { case inLine, lineEnded, lineEndedCR }
    private var state = State.inLine
    /// Bytes of the head in progress (0 between heads).
    private(set) var pendingBytes = 0

    mutating func scan(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Result {
        var result = Result()
        for byte in bytes {
            pendingBytes += 1
            if pendingBytes > limit {
                result.overLimit = true
                return result
            }
            if advance(byte) {
                pendingBytes = 0
                result.headEnded = true
            }
        }
        return result
    }

    /// True when `byte` ends a head.
    private mutating func advance(_ byte: UInt8) -> Bool {
        switch (state, byte) {
        case (.lineEnded, UInt8(ascii: "\n")), (.lineEndedCR, UInt8(ascii: "\n")):
            state = .inLine
            return true
        case (.lineEnded, UInt8(ascii: "\r")): state = .lineEndedCR
        case (_, UInt8(ascii: "\n")): state = .lineEnded
        case (.inLine, UInt8(ascii: "\r")): break
        default: state = .inLine
        }
        return false
    }
}
