import CLibPQ

/// Facts about the linked libpq client library.
public enum PostgresLibrary {
    /// libpq's version as PostgreSQL encodes it (e.g. 150018 for 15.18).
    public static var version: Int { Int(PQlibVersion()) }
}
