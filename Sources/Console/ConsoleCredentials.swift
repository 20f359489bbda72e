import Foundation

/// Who may read the console when it listens beyond loopback: one bearer token
/// (`Authorization: Bearer …`), or one user and password (HTTP basic authentication, which
/// browsers ask for themselves). Compared in time independent of where they differ.
public enum ConsoleCredentials: Sendable, Equatable {
    case bearer(token: String)
    case basic(user: String, password: String)

    /// The shortest token or password accepted.
    public static let minimumSecretLength = 16

    /// From `--token-file`, else `SIGVERIFY_CONSOLE_TOKEN`, else `--credentials-file`, else
    /// `SIGVERIFY_CONSOLE_CREDENTIALS` (`user:password`); nil when none is given. Trailing line
    /// breaks of a file are ignored.
    public static func load(tokenFile: String?, credentialsFile: String?,
                            environment: [String: String]) throws(ConsoleError) -> ConsoleCredentials? {
        if let tokenFile { return try bearer(try read(tokenFile), source: tokenFile) }
        if let token = environment["SIGVERIFY_CONSOLE_TOKEN"], !token.isEmpty {
            return try bearer(token, source: "SIGVERIFY_CONSOLE_TOKEN")
        }
        if let credentialsFile { return try basic(try read(credentialsFile), source: credentialsFile) }
        if let pair = environment["SIGVERIFY_CONSOLE_CREDENTIALS"], !pair.isEmpty {
            return try basic(pair, source: "SIGVERIFY_CONSOLE_CREDENTIALS")
        }
        return nil
    }

    /// Whether an `Authorization` header value proves these credentials.
    public func admits(_ authorization: String?) -> Bool {
        guard let authorization else { return false }
        switch self {
        case .bearer(let token):
            return authorization.hasPrefix("Bearer ") && Self.sameBytes(String(authorization.dropFirst(7)), token)
        case .basic(let user, let password):
            guard authorization.hasPrefix("Basic "), let decoded = Data(base64Encoded: String(authorization.dropFirst(6))) else { return false }
            return Self.sameBytes(String(decoding: decoded, as: UTF8.self), user + ":" + password)
        }
    }

    /// The `WWW-Authenticate` challenge of a 401.
    public var challenge: String {
        switch self {
        case .bearer: return #"Bearer realm="sigverify console""#
        case .basic: return #"Basic realm="sigverify console", charset="UTF-8""#
        }
    }

    private static func read(_ path: String) throws(ConsoleError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unusableCredentials(source: path, reason: "unreadable (\(error.localizedDescription))")
        }
    }

    private static func bearer(_ text: String, source: String) throws(ConsoleError) -> ConsoleCredentials {
        let token = text.trimmingCharacters(in: .newlines)
        try checkSecret(token, source: source)
        return .bearer(token: token)
    }

    private static func basic(_ text: String, source: String) throws(ConsoleError) -> ConsoleCredentials {
        let pair = text.trimmingCharacters(in: .newlines)
        guard let colon = pair.firstIndex(of: ":"), colon != pair.startIndex else {
            throw .unusableCredentials(source: source, reason: "expected user:password")
        }
        let password = String(pair[pair.index(after: colon)...])
        try checkSecret(password, source: source)
        return .basic(user: String(pair[..<colon]), password: password)
    }

    private static func checkSecret(_ secret: String, source: String) throws(ConsoleError) {
        guard secret.count >= minimumSecretLength else {
            throw .unusableCredentials(source: source, reason: "the secret is shorter than \(minimumSecretLength) characters")
        }
        guard !secret.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }) else {
            throw .unusableCredentials(source: source, reason: "the secret holds whitespace or control characters")
        }
    }

    /// Equal bytes, in time that depends only on the lengths.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
