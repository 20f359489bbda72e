/// Why the console cannot start.
public enum ConsoleError: Error, Equatable, CustomStringConvertible {
    /// Bound beyond loopback with neither a token nor credentials.
    case credentialsRequired(address: String)
    /// A token or credentials file that cannot be read, or holds something unusable.
    case unusableCredentials(source: String, reason: String)
    /// The database login cannot act as `sigverify_auditor` (or the server refused it).
    case notAuditor(reason: String)

    public var description: String {
        switch self {
        case .credentialsRequired(let address):
            return "refusing to serve the console on \(address) without a token or credentials: set --token-file or "
                + "SIGVERIFY_CONSOLE_TOKEN, or --credentials-file or SIGVERIFY_CONSOLE_CREDENTIALS (or listen on loopback)"
        case .unusableCredentials(let source, let reason):
            return "cannot use the console credentials from \(source): \(reason)"
        case .notAuditor(let reason):
            return "the console reads as sigverify_auditor, but this login cannot: \(reason)"
        }
    }
}
