import Foundation
import NIOCore
import NIOHTTP1

/// The endpoint's open connections, at most `capacity`. Admitting one more closes the connection
/// that has gone longest without an answer (or since it opened, if it never had one): slowloris
/// connections and clients that stopped reading make no progress, so they go first, and a fresh
/// health check always gets through. The file descriptors held stay at `capacity` (+1 briefly).
final class ConnectionLimiter: @unchecked Sendable {
    private struct Slot {
        let channel: any Channel
        var lastProgress: NIODeadline
    }

    private let capacity: Int
    private let lock = NSLock()
    private var slots: [ObjectIdentifier: Slot] = [:]

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Takes a slot for `channel`; returns the connection to close to make room, if any.
    func admit(_ channel: any Channel) -> (any Channel)? {
        lock.lock()
        defer { lock.unlock() }
        var evicted: (any Channel)?
        if slots.count >= capacity, let stalest = slots.min(by: { $0.value.lastProgress < $1.value.lastProgress }) {
            slots[stalest.key] = nil
            evicted = stalest.value.channel
        }
        slots[ObjectIdentifier(channel)] = Slot(channel: channel, lastProgress: .now())
        return evicted
    }

    /// `channel` answered a request.
    func progressed(_ channel: any Channel) {
        lock.lock()
        slots[ObjectIdentifier(channel)]?.lastProgress = .now()
        lock.unlock()
    }

    func release(_ channel: any Channel) {
        lock.lock()
        slots[ObjectIdentifier(channel)] = nil
        lock.unlock()
    }

    var openConnections: Int {
        lock.lock()
        defer { lock.unlock() }
        return slots.count
    }
}

/// Tells the limiter each time this connection completes an answer.
final class ConnectionProgress: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limiter: ConnectionLimiter

    init(limiter: ConnectionLimiter) { self.limiter = limiter }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { limiter.progressed(context.channel) }
        context.write(data, promise: promise)
    }
}
