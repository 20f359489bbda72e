/// What every connection asks for unless its URL (or conninfo string) says otherwise: a bounded
/// connect, TCP keepalives so a silently dropped peer is noticed, and a statement timeout so a
/// hung statement cannot hold a worker (and its leases) forever.
public struct ConnectionSettings: Sendable, Equatable {
    /// libpq `connect_timeout`, seconds.
    public var connectTimeoutSeconds: Int
    /// libpq `keepalives_idle`: idle seconds before the first probe.
    public var keepalivesIdleSeconds: Int
    /// libpq `keepalives_interval`: seconds between unanswered probes.
    public var keepalivesIntervalSeconds: Int
    /// libpq `keepalives_count`: unanswered probes before the connection counts as lost.
    public var keepalivesCount: Int
    /// The session's `statement_timeout` in seconds; 0 leaves the server's setting.
    public var statementTimeoutSeconds: Double

    public init(connectTimeoutSeconds: Int = 10, keepalivesIdleSeconds: Int = 30, keepalivesIntervalSeconds: Int = 10,
                keepalivesCount: Int = 3, statementTimeoutSeconds: Double = 60) {
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.keepalivesIdleSeconds = keepalivesIdleSeconds
        self.keepalivesIntervalSeconds = keepalivesIntervalSeconds
        self.keepalivesCount = keepalivesCount
        self.statementTimeoutSeconds = statementTimeoutSeconds
    }

    /// libpq keywords and values to place before the URL, whose own values override them.
    var libpqDefaults: [(keyword: String, value: String)] {
        [("connect_timeout", "\(connectTimeoutSeconds)"), ("keepalives", "1"),
         ("keepalives_idle", "\(keepalivesIdleSeconds)"), ("keepalives_interval", "\(keepalivesIntervalSeconds)"),
         ("keepalives_count", "\(keepalivesCount)")]
    }

    /// The libpq `options` to send: the user's (from the URL, else `$PGOPTIONS`) plus
    /// `-c statement_timeout=…` unless they already set one; nil when there is nothing to add.
    func options(userOptions: String?) -> String? {
        let user = userOptions ?? ""
        guard statementTimeoutSeconds > 0, !user.contains("statement_timeout") else { return nil }
        let setting = "-c statement_timeout=\(Int((statementTimeoutSeconds * 1000).rounded()))"
        return user.isEmpty ? setting : user + " " + setting
    }
}
