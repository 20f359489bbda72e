import Foundation

/// One HTTP/1.1 exchange with a loopback server (`LoopbackConnection`), `Connection: close`: the
/// console's and the operations endpoint's answers (status, headers, bytes) and chromedriver's JSON.
public struct LoopbackHTTP {
    public let status: Int
    /// By lowercased name.
    public let headers: [String: String]
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    public init(port: Int, _ path: String, method: String = "GET", headers: [String: String] = [:], body: [UInt8] = [],
         timeout: Double = 30) throws {
        let connection = try LoopbackConnection(port: port)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        guard connection.send(head + "\r\n" + String(decoding: body, as: UTF8.self)) else {
            throw LoopbackHTTPError("send to port \(port) failed")
        }
        (status, self.headers, self.body) = try Self.parse(connection.read(timeout: timeout, until: Self.complete))
    }

    /// Whether `bytes` hold a whole answer with a Content-Length (servers that keep the
    /// connection open despite `Connection: close`, such as chromedriver, are not waited for).
    private static func complete(_ bytes: [UInt8]) -> Bool {
        guard let end = headEnd(bytes), let parsed = try? parse(Array(bytes[..<(end + 4)])),
              let length = parsed.1["content-length"].flatMap({ Int($0) }) else { return false }
        return bytes.count - end - 4 >= length
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        let separator = Array("\r\n\r\n".utf8)
        return (0..<max(0, bytes.count - 3)).first { Array(bytes[$0..<$0 + 4]) == separator }
    }

    private static func parse(_ response: [UInt8]) throws -> (Int, [String: String], [UInt8]) {
        guard let end = headEnd(response) else {
            throw LoopbackHTTPError("no complete HTTP head in \(response.count) bytes")
        }
        let lines = String(decoding: response[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let code = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw LoopbackHTTPError("not an HTTP status line: \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (code, headers, Array(response[(end + 4)...]))
    }
}

public struct LoopbackHTTPError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
