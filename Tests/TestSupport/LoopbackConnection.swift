import Foundation

/// One raw TCP connection to 127.0.0.1 for the operations endpoint's tests: hostile clients
/// (send part of a request and stall, pipeline requests without reading) and plain ones, with no
/// client library between the test and the server.
public final class LoopbackConnection {
    public private(set) var fd: Int32

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            Foundation.close(fd)
            throw LoopbackError("connect to port \(port): errno \(error)")
        }
    }

    deinit { close() }

    /// Closes the connection (the client leaves); also done at deinit.
    public func close() {
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
    }

    /// Sends all of `text` (blocking); false if the connection failed.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Sends `bytes` without blocking: how many the kernel took (0 when its buffers are full).
    public func sendWithoutBlocking(_ bytes: ArraySlice<UInt8>) -> Int {
        let n = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
        return max(0, n)
    }

    /// True once the server closed (or reset) the connection; never blocks. Discards what arrived
    /// (a refusal such as 408 before the close).
    public var closedByPeer: Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &chunk, chunk.count, Int32(MSG_DONTWAIT))
            if n > 0 { continue }
            return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
        }
    }

    /// Reads until the server closes, `until` says enough, or `timeout` seconds pass.
    public func read(timeout: Double, until enough: ([UInt8]) -> Bool = { _ in false }) -> [UInt8] {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while !enough(received), Date() < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 50) == 1 else { continue }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        return received
    }

    /// Asks for `path` once (`Connection: close`): the status code (nil if no answer within `timeout`).
    public static func status(port: Int, path: String, timeout: Double = 5) throws -> Int? {
        let connection = try LoopbackConnection(port: port)
        connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return statusCode(connection.read(timeout: timeout))
    }

    /// The status code of an HTTP/1.1 answer's first line.
    public static func statusCode(_ answer: [UInt8]) -> Int? {
        let line = String(decoding: answer.prefix(32), as: UTF8.self)
        guard line.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(line.dropFirst(9).prefix(3))
    }
}

public struct LoopbackError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Process-level figures for the endpoint's resource tests.
public enum ProcessFigures {
    /// Resident set size of process `pid` (this one by default), in bytes, from /proc.
    public static func residentBytes(pid: Int32 = getpid()) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    /// Open file descriptors of process `pid`.
    public static func openFiles(pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    /// Raises this process's soft limit on open files to `wanted` (at most the hard limit); the limit now.
    @discardableResult
    public static func raiseOpenFileLimit(to wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < rlim_t(wanted) {
            limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}
