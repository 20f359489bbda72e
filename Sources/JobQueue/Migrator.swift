import Foundation

/// One numbered schema change: `migrations/0001_queue_schema.sql` → version 1, name `queue_schema`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

public enum MigrationError: Error, CustomStringConvertible {
    case directoryNotFound([String])
    case unreadable(path: String, reason: String)
    case badFileName(String)
    case duplicateVersion(Int)
    case changedAfterApplied(version: Int, name: String)
    case failed(version: Int, name: String, PostgresError)
    case database(PostgresError)
    /// The database has a schema version this binary does not know: an older binary must not
    /// run against a newer schema (its statements may break what the newer schema guarantees).
    case schemaNewer(database: Int, binary: Int)

    public var description: String {
        switch self {
        case .directoryNotFound(let tried):
            return "no migrations directory found (tried \(tried.joined(separator: ", "))); pass --migrations DIR or set SIGVERIFY_MIGRATIONS"
        case .unreadable(let path, let reason): return "cannot read migration \(path): \(reason)"
        case .badFileName(let name): return "migration file \(name) is not named NNNN_name.sql"
        case .duplicateVersion(let v): return "two migration files carry version \(v)"
        case .changedAfterApplied(let v, let name):
            return "migration \(v) (\(name)) was edited after it was applied; add a new migration instead"
        case .failed(let v, let name, let error): return "migration \(v) (\(name)) failed: \(error)"
        case .database(let error): return error.description
        case .schemaNewer(let database, let binary):
            return "the database schema sigverify is at version \(database), newer than this sigverify binary knows "
                + "(version \(binary)); refusing to run: upgrade sigverify"
        }
    }
}

/// Applies the `migrations/*.sql` files in version order, each in its own transaction, recording
/// them in `sigverify.schema_migrations`. A session advisory lock serialises concurrent runs (a
/// fleet of workers all running `migrate` at start-up), and already-applied versions are skipped,
/// so running it again is a no-op. Each applied file's md5 is kept, and a later edit is refused.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    /// The newest schema version this build's code was written for: the last shipped migration
    /// (`MigratorTests` keeps the two in step). Commands refuse a database whose schema is newer
    /// (`checkSchemaVersion`).
    public static let codeVersion = 15
    /// Arbitrary but fixed key for `pg_advisory_lock`: "sigverify" in ASCII, truncated.
    static let lockKey: Int64 = 0x7369_6776_6572_6966
    /// Once migration 0008 gave the schema to the NOLOGIN role `sigverify_owner`, each migration
    /// runs as it (`SET LOCAL ROLE`), so what it creates belongs to that role too; before, as the
    /// login itself. A login that is not a member of sigverify_owner cannot migrate from then on.
    static let actAsOwner = """
        SELECT set_config('role', 'sigverify_owner', true)
        WHERE EXISTS (SELECT FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
                      WHERE n.nspname = 'sigverify' AND r.rolname = 'sigverify_owner')
        """

    public init(migrations: [Migration]) throws(MigrationError) {
        var seen = Set<Int>()
        for m in migrations where !seen.insert(m.version).inserted { throw .duplicateVersion(m.version) }
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Loads every `NNNN_name.sql` in `directory`.
    public init(directory: URL) throws(MigrationError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .unreadable(path: directory.path, reason: "\(error)")
        }
        var loaded: [Migration] = []
        for file in names.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"),
                  let version = Int(stem[..<underscore]), version > 0 else { throw .badFileName(file) }
            let path = directory.appendingPathComponent(file).path
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .unreadable(path: path, reason: "no such file or not readable")
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw .unreadable(path: path, reason: "not UTF-8")
            }
            loaded.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        try self.init(migrations: loaded)
    }

    /// The shipped migrations: `$SIGVERIFY_MIGRATIONS`, else `share/sigverify/migrations` beside the
    /// executable's folder, else `migrations` in the executable's folder or one of its ancestors (a
    /// source checkout's `.build/<triple>/release/`). Never the current folder.
    public static func bundled(executable: URL = ExecutableLocation.url) throws(MigrationError) -> Migrator {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["SIGVERIFY_MIGRATIONS"], !env.isEmpty { candidates.append(env) }
        candidates.append(executable.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/sigverify/migrations").path)
        candidates += ExecutableLocation.candidates("migrations", executable: executable).map(\.path)
        for path in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
               FileManager.default.fileExists(atPath: path + "/0001_queue_schema.sql") {
                return try Migrator(directory: URL(fileURLWithPath: path))
            }
        }
        throw .directoryNotFound(candidates)
    }

    /// Applies what is missing; returns the versions applied by this call (empty when up to date).
    @discardableResult
    public func migrate(_ db: PostgresConnection) throws(MigrationError) -> [Int] {
        do {
            try db.execute("SELECT pg_advisory_lock($1)", [.int(Migrator.lockKey)])
        } catch { throw .database(error) }
        defer { _ = try? db.execute("SELECT pg_advisory_unlock($1)", [.int(Migrator.lockKey)]) }
        do {
            try db.executeScript("""
                CREATE SCHEMA IF NOT EXISTS sigverify;
                CREATE TABLE IF NOT EXISTS sigverify.schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    md5        text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """)
        } catch { throw .database(error) }
        var applied: [Int: String] = [:]
        do {
            let rows = try db.execute("SELECT version, md5 FROM sigverify.schema_migrations")
            for r in 0..<rows.count {
                if let v = try rows.int(r, "version"), let md5 = try rows.string(r, "md5") { applied[v] = md5 }
            }
        } catch { throw .database(error) }
        let known = max(migrations.last?.version ?? 0, Migrator.codeVersion)
        if let newest = applied.keys.max(), newest > known {
            throw .schemaNewer(database: newest, binary: known)
        }
        var done: [Int] = []
        for m in migrations {
            if let recorded = applied[m.version] {
                let current: String?
                do { current = try db.execute("SELECT md5($1::text) AS md5", [.text(m.sql)]).string(0, "md5") } catch {
                    throw .database(error)
                }
                if current != recorded { throw .changedAfterApplied(version: m.version, name: m.name) }
                continue
            }
            do {
                try db.transaction { (tx: PostgresConnection) throws(PostgresError) in
                    try tx.execute(Migrator.actAsOwner)
                    try tx.executeScript(m.sql)
                    try tx.execute("INSERT INTO sigverify.schema_migrations (version, name, md5) VALUES ($1, $2, md5($3::text))",
                                   [.int(m.version), .text(m.name), .text(m.sql)])
                }
            } catch { throw .failed(version: m.version, name: m.name, error) }
            done.append(m.version)
        }
        return done
    }
}

extension Migrator {
    /// The newest migration applied to the database `db` is connected to: nil when it was never
    /// migrated, or when this login may not read `sigverify.schema_migrations` (before migration
    /// 0010 only the auditor and the owner could).
    public static func schemaVersion(_ db: PostgresConnection) throws(PostgresError) -> Int? {
        do {
            let readable = try db.execute("""
                SELECT t IS NOT NULL AND has_table_privilege(t, 'SELECT') AS readable
                FROM to_regclass('sigverify.schema_migrations') AS t
                """).bool(0, "readable") ?? false
            guard readable else { return nil }
            return try db.execute("SELECT max(version) AS version FROM sigverify.schema_migrations").int(0, "version")
        } catch where error.sqlState == "42501" {  // no USAGE on the schema: not ours to judge
            return nil
        }
    }

    /// Throws `MigrationError.schemaNewer` when the database's schema is newer than this binary
    /// (`codeVersion`); an older or missing schema is left to the statements that need it.
    public static func checkSchemaVersion(_ db: PostgresConnection, binary: Int = Migrator.codeVersion) throws(MigrationError) {
        let version: Int?
        do { version = try schemaVersion(db) } catch { throw .database(error) }
        if let version, version > binary { throw .schemaNewer(database: version, binary: binary) }
    }
}
