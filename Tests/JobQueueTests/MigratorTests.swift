import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

final class MigratorTests: XCTestCase {
    func testMigrateIsIdempotentAndRecordsVersions() throws {
        let db = try TestDatabase(migrate: false)
        let migrator = try Migrator.bundled()
        XCTAssertGreaterThanOrEqual(migrator.migrations.count, 2)
        let first = try migrator.migrate(try db.connect())
        XCTAssertEqual(first, migrator.migrations.map(\.version))
        let second = try migrator.migrate(try db.connect())
        XCTAssertEqual(second, [])
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.schema_migrations"), migrator.migrations.count)
        for table in ["jobs", "verdicts", "job_events", "workers"] {
            XCTAssertEqual(try db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'sigverify' AND table_name = $1",
                                         [.text(table)]), 1, table)
        }
    }

    func testConcurrentMigrationsApplyEachVersionOnce() throws {
        let db = try TestDatabase(migrate: false)
        let migrator = try Migrator.bundled()
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do {
                let applied = try migrator.migrate(try db.connect())
                results.append(.success(applied))
            } catch {
                results.append(.failure(error))
            }
        }
        var appliedTotal: [Int] = []
        for r in results.values {
            switch r {
            case .success(let applied): appliedTotal += applied
            case .failure(let error): XCTFail("concurrent migrate failed: \(error)")
            }
        }
        XCTAssertEqual(appliedTotal.sorted(), migrator.migrations.map(\.version), "each version applied exactly once")
    }

    /// The version commands compare a database's schema with (issue 19) is the last shipped one.
    func testTheCodeVersionIsTheLastShippedMigration() throws {
        XCTAssertEqual(Migrator.codeVersion, try Migrator.bundled().migrations.last?.version,
                       "a new migration bumps Migrator.codeVersion")
    }

    func testEditedMigrationIsRefused() throws {
        let db = try TestDatabase()
        let shipped = try Migrator.bundled().migrations
        var edited = shipped
        edited[0].sql += "\n-- edited"
        XCTAssertThrowsError(try Migrator(migrations: edited).migrate(try db.connect())) { error in
            XCTAssertTrue("\(error)".contains("edited after it was applied"), "\(error)")
        }
    }

    func testFailingMigrationRollsBackAndIsNotRecorded() throws {
        let db = try TestDatabase()
        var migrations = try Migrator.bundled().migrations
        migrations.append(Migration(version: 999, name: "broken",
                                    sql: "CREATE TABLE sigverify.half_done (x int); SELECT no_such_function();"))
        XCTAssertThrowsError(try Migrator(migrations: migrations).migrate(try db.connect())) { error in
            XCTAssertTrue("\(error)".contains("migration 999 (broken) failed"), "\(error)")
        }
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.schema_migrations WHERE version = 999"), 0)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'"), 0)
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<[Int], Error>] = []
    func append(_ r: Result<[Int], Error>) { lock.lock(); storage.append(r); lock.unlock() }
    var values: [Result<[Int], Error>] { lock.lock(); defer { lock.unlock() }; return storage }
}
