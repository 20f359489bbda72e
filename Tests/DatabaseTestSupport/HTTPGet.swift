import Foundation
import TestSupport
import XCTest

/// One HTTP/1.1 GET over a plain loopback socket (no client library between the test and the
/// server): status code and body as text, and the Prometheus samples in it.
public struct HTTPGet {
    public let status: Int
    public let body: String

    /// A GET of `path` (`LoopbackHTTP`), read for at most 5 s.
    public init(port: Int, path: String) throws {
        let answer = try LoopbackHTTP(port: port, path, timeout: 5)
        status = answer.status
        body = answer.text
    }

    /// The value of the sample `name` (with its labels exactly as written, e.g. `x{a="b"}`), or nil.
    public func sample(_ name: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
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
        guard let port else { throw LoopbackHTTPError("no endpoint address in the log: \(stderr)") }
        return port
    }
}
