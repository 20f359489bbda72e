/// Why the operations endpoint could not start.
public enum OperationsError: Error, Equatable, CustomStringConvertible {
    /// `--metrics-address` is not `HOST:PORT`.
    case invalidAddress(String)
    /// Binding the listening socket failed (port in use, no such address).
    case cannotListen(address: String, reason: String)

    public var description: String {
        switch self {
        case .invalidAddress(let text):
            return "invalid metrics address '\(text)': expected HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464 (port 0 picks a free one)"
        case .cannotListen(let address, let reason):
            return "cannot serve metrics on \(address): \(reason)"
        }
    }
}
