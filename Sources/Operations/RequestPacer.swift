import NIOCore
import NIOHTTP1

/// Backpressure for pipelined requests. Parsed request parts queue here and go on to the route
/// handler one by one, only while the channel is writable (its unsent answers are under the high
/// water mark); meanwhile no more bytes are read from the client. A client that pipelines
/// requests without reading the answers therefore costs one read's worth of queued requests and
/// about the high water mark of answers, however much it sends; reading resumes once it has read.
/// (NIO's HTTPServerPipelineHandler only orders answers: it hands over the next request as soon
/// as an answer was written into the buffer, so it cannot bound what is buffered.)
final class RequestPacer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var queued = CircularBuffer<HTTPServerRequestPart>()
    private var readHeld = false
    private var delivering = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        queued.append(unwrapInboundIn(data))
        deliver(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        deliver(context)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        queued.removeAll()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if mayRead(context) {
            context.read()
        } else {
            readHeld = true
        }
    }

    private func mayRead(_ context: ChannelHandlerContext) -> Bool { queued.isEmpty && context.channel.isWritable }

    /// Hands queued parts on while the channel is writable, then reads on if a read was held and
    /// the queue is empty. Re-entrant calls (an answer's flush can change writability) return at
    /// once: the outer loop re-checks writability before each part.
    private func deliver(_ context: ChannelHandlerContext) {
        guard !delivering else { return }
        delivering = true
        while context.channel.isWritable, let part = queued.popFirst() {
            context.fireChannelRead(wrapInboundOut(part))
        }
        delivering = false
        if readHeld && mayRead(context) {
            readHeld = false
            context.read()
        }
    }
}
