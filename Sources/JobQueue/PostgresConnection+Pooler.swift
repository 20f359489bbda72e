/// Telling a connection pooler from a direct connection.
extension PostgresConnection {
    /// Why this connection looks pooled, or nil for a direct connection. A server announces its
    /// backend's process id at login (BackendKeyData); a pooler such as PgBouncer announces a
    /// made-up one of its own, as clients share its server connections — so the id the login
    /// announced differs from `pg_backend_pid()` of the server connection that runs our statement.
    public func poolerEvidence() throws(PostgresError) -> String? {
        let served = try execute("SELECT pg_backend_pid() AS pid").int(0, "pid")
        let announced = Int(announcedBackendPID)
        guard let served, served != announced else { return nil }
        return "the login announced backend pid \(announced), the statement ran in backend \(served)"
    }
}
