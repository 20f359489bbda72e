import Foundation
import XCTest

/// One HTTP/1.1 GET over a plain loopback socket (no client library between the test and the
/// server): status code and body.
public struct HTTPGet {
    public let status: Int
    public let body: String

    public init(port: Int, path: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPGetError("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HTTPGetError("connect to port \(port): errno \(errno)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { throw HTTPGetError("send: errno \(errno)") }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n"), let statusText = text.split(separator: " ").dropFirst().first,
              let status = Int(statusText) else { throw HTTPGetError("not an HTTP response: \(text.prefix(200))") }
        self.status = status
        body = String(text[split.upperBound...])
    }

    /// The value of the sample `name` (with its labels exactly as written, e.g. `x{a="b"}`), or nil.
    public func sample(_ name: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}

public struct HTTPGetError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension SpawnedProcess {
    /// The port the operations endpoint announced in the log (`address=127.0.0.1:PORT`).
    public func endpointPort(timeout: Double = 15) throws -> Int {
        var port: Int?
        _ = eventually(timeout: timeout) {
            guard let range = stderr.range(of: #"address=127\.0\.0\.1:(\d+)"#, options: .regularExpression) else { return false }
            port = Int(stderr[range].split(separator: ":").last ?? "")
            return port != nil
        }
        guard let port else { throw HTTPGetError("no endpoint address in the log: \(stderr)") }
        return port
    }
}
