import Foundation
import TestSupport
import XCTest

/// Headless Chromium through chromedriver's W3C WebDriver HTTP protocol (Debian's `chromium` and
/// `chromium-driver`, installed by scripts/setup-deps.sh): no client library, plain JSON over
/// loopback. One browser session per instance; `quit()` ends it and chromedriver.
final class WebDriver {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"
    private let driver = Process()
    private let port: Int
    private var session = ""
    /// The browser's profile, removed by `quit()` (chromedriver's own would outlive a quick exit).
    private let profile = FileManager.default.temporaryDirectory.appendingPathComponent("sv-chromium-\(UUID().uuidString.prefix(8))")

    init() throws {
        for tool in [Self.chromium, Self.chromedriver] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw LoopbackHTTPError("\(tool) is missing: run scripts/setup-deps.sh (installs chromium and chromium-driver)")
        }
        port = try Self.freePort()
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        let ready = Date(timeIntervalSinceNow: 15)
        while (try? LoopbackHTTP(port: port, "/status", timeout: 2))?.status != 200 {
            guard Date() < ready else { throw LoopbackHTTPError("chromedriver did not answer on port \(port) within 15 s") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let created = try command("POST", "/session", [
            "capabilities": ["alwaysMatch": ["browserName": "chrome", "timeouts": ["pageLoad": 20_000, "script": 10_000], "goog:chromeOptions": [
                "binary": Self.chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--user-data-dir=\(profile.path)"],
            ]]],
        ])
        guard let id = (created as? [String: Any])?["sessionId"] as? String else {
            throw LoopbackHTTPError("no session from chromedriver: \(String(describing: created))")
        }
        session = id
    }

    /// Opens `url` and waits for it to load.
    func open(_ url: String) throws { _ = try command("POST", "/session/\(session)/url", ["url": url]) }

    /// The value `script` (a function body) returns in the page.
    func run(_ script: String) throws -> Any? {
        try command("POST", "/session/\(session)/execute/sync", ["script": script, "args": [Any]()])
    }

    func text(_ selector: String) throws -> String {
        try run("const e = document.querySelector(\(Self.literal(selector))); return e ? e.textContent : null") as? String ?? ""
    }

    /// Clicks the first element matching `selector` (a real click: the browser submits forms, follows links).
    func click(_ selector: String) throws {
        let found = try command("POST", "/session/\(session)/element", ["using": "css selector", "value": selector])
        guard let element = (found as? [String: Any])?.values.first as? String else {
            throw LoopbackHTTPError("no element \(selector)")
        }
        _ = try command("POST", "/session/\(session)/element/\(element)/click", [:])
    }

    /// Polls `script` until it returns true or `timeout` seconds pass (a click's navigation may
    /// still be under way when the click command returns); returns its last answer.
    @discardableResult
    func wait(until script: String, timeout: Double = 10) throws -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        repeat {
            if try run(script) as? Bool == true { return true }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return false
    }

    /// The viewport as PNG bytes.
    func screenshot() throws -> Data {
        guard let base64 = try command("GET", "/session/\(session)/screenshot", nil) as? String, let png = Data(base64Encoded: base64) else {
            throw LoopbackHTTPError("no screenshot")
        }
        return png
    }

    func quit() {
        if !session.isEmpty { _ = try? command("DELETE", "/session/\(session)", nil) }
        session = ""
        if driver.isRunning {
            driver.terminate()
            driver.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: profile)
    }

    deinit { quit() }

    /// One WebDriver command: its `value`, or an error naming WebDriver's.
    private func command(_ method: String, _ path: String, _ body: [String: Any]?) throws -> Any? {
        let bytes = try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) } ?? []
        let response = try LoopbackHTTP(port: port, path, method: method, body: bytes, timeout: 60)
        let json = try JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed]) as? [String: Any]
        let value = json?["value"]
        if response.status != 200 {
            let error = (value as? [String: Any]).map { "\($0["error"] ?? ""): \($0["message"] ?? "")" } ?? response.text
            throw LoopbackHTTPError("WebDriver \(method) \(path): \(response.status) \(error.prefix(500))")
        }
        return value is NSNull ? nil : value
    }

    /// `text` as a JavaScript string literal.
    static func literal(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text])
        return String(decoding: data ?? Data("[\"\"]".utf8), as: UTF8.self).dropFirst().dropLast().description
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw LoopbackHTTPError("no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
