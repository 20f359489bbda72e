import Foundation
import JobQueue
import XCTest

/// A fresh, migrated database per test in the server from $DATABASE_URL (scripts/test.sh exports
/// it), dropped afterwards — tests never see each other's jobs.
public final class TestDatabase: @unchecked Sendable {  // immutable after init
    public let url: String
    public let name: String
    public let adminURL: String

    public init(migrate: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        guard let admin = ProcessInfo.processInfo.environment["DATABASE_URL"], !admin.isEmpty else {
            throw XCTSkip("DATABASE_URL is not set: run the database tests through scripts/test.sh (starts a throwaway PostgreSQL)")
        }
        adminURL = admin
        name = "sigverify_test_\(UInt32.random(in: 0...UInt32.max))"
        url = try TestDatabase.url(admin, database: name)
        let db = try PostgresConnection(url: admin)
        try db.executeScript("CREATE DATABASE \(PostgresConnection.quoteIdentifier(name))")
        if migrate {
            let conn = try PostgresConnection(url: url)
            try Migrator.bundled().migrate(conn)
        }
    }

    deinit {
        if let db = try? PostgresConnection(url: adminURL) {
            try? db.executeScript("DROP DATABASE IF EXISTS \(PostgresConnection.quoteIdentifier(name)) WITH (FORCE)")
        }
    }

    public func connect() throws -> PostgresConnection { try PostgresConnection(url: url) }
    public func queue() throws -> JobQueue { JobQueue(connection: try connect()) }

    /// The same server URL with another database name.
    public static func url(_ base: String, database: String) throws -> String {
        guard var components = URLComponents(string: base) else {
            throw XCTSkip("DATABASE_URL is not a URL: \(base)")
        }
        components.path = "/" + database
        return components.string!
    }

    /// One integer: the first column of the first row (an empty result throws).
    public func scalar(_ sql: String, _ params: [PostgresValue?] = []) throws -> Int {
        let r = try connect().execute(sql, params)
        guard r.count > 0 else { throw PostgresError(kind: .unexpectedResult, message: "no row: \(sql)") }
        guard let v = try r.int(0, r.columns[0]) else { throw PostgresError(kind: .unexpectedResult, message: "NULL") }
        return v
    }
}

extension TestDatabase {
    /// Runs `sql` in one transaction as the superuser with the user triggers of `tables` (in schema
    /// `sigverify`) switched off: what someone with those rights can do to history.
    public func tamper(_ sql: String, disabling tables: [String]) throws {
        try connect().executeScript("""
            BEGIN;
            \(tables.map { "ALTER TABLE sigverify.\($0) DISABLE TRIGGER USER;" }.joined(separator: "\n"))
            \(sql);
            \(tables.map { "ALTER TABLE sigverify.\($0) ENABLE TRIGGER USER;" }.joined(separator: "\n"))
            COMMIT;
            """)
    }
}
