import Foundation
import JobQueue
import XCTest

/// A LOGIN role for one test database, a member of one of the group roles of migration 0006
/// (`sigverify_worker`, …), dropped afterwards. Roles are cluster-wide, so the name carries the
/// database's.
public final class TestLogin {
    public let role: String
    public let url: String
    private let adminURL: String

    public init(_ db: TestDatabase, memberOf group: String) throws {
        role = db.name + "_" + group
        adminURL = db.adminURL
        let quoted = PostgresConnection.quoteIdentifier(role)
        try PostgresConnection(url: adminURL).executeScript(
            "CREATE ROLE \(quoted) LOGIN IN ROLE \(PostgresConnection.quoteIdentifier(group))")
        guard var components = URLComponents(string: db.url) else { throw XCTSkip("DATABASE_URL is not a URL") }
        components.user = role
        components.password = nil
        url = components.string!
    }

    deinit {
        if let admin = try? PostgresConnection(url: adminURL) {
            try? admin.executeScript("DROP ROLE IF EXISTS \(PostgresConnection.quoteIdentifier(role))")
        }
    }

    public func connect() throws -> PostgresConnection { try PostgresConnection(url: url) }
    public func queue() throws -> JobQueue { JobQueue(connection: try connect()) }
}
