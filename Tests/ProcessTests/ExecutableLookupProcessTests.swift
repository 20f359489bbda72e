import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// The default model and the migrations are found beside the real executable, never in the current
/// folder: a copy of the binary in `<root>/bin/` run from a folder holding decoys of both.
final class ExecutableLookupProcessTests: XCTestCase {
    private let tinyVersion = "068bf79a559bf9ea"
    private let manager = FileManager.default

    /// `<root>/bin/sigverify`, `<root>/models/default` (model_tiny) and, if asked, `<root>/share/sigverify/migrations`
    /// (the shipped ones); `<root>/elsewhere/` holds a decoy `models/default` that cannot load and a decoy
    /// `migrations/` whose only migration would create `public.decoy_applied`.
    private struct Layout {
        let root: URL
        var executable: URL { root.appendingPathComponent("bin/sigverify") }
        var model: URL { root.appendingPathComponent("models/default") }
        var elsewhere: URL { root.appendingPathComponent("elsewhere") }
    }

    private func makeLayout(shippingMigrations: Bool) throws -> Layout {
        let root = manager.temporaryDirectory.appendingPathComponent("sv-lookup-\(UUID().uuidString.prefix(8))").resolvingSymlinksInPath()
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let layout = Layout(root: root)
        for folder in ["bin", "models", "elsewhere/models/default", "elsewhere/migrations"] {
            try manager.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try manager.copyItem(at: try SpawnedProcess.productURL("sigverify"), to: layout.executable)
        try manager.copyItem(at: FixturePaths.local("model_tiny"), to: layout.model)
        if shippingMigrations {
            try manager.createDirectory(at: root.appendingPathComponent("share/sigverify"), withIntermediateDirectories: true)
            try manager.copyItem(at: FixturePaths.packageRoot.appendingPathComponent("migrations"),
                                 to: root.appendingPathComponent("share/sigverify/migrations"))
        }
        try "{}".write(to: layout.elsewhere.appendingPathComponent("models/default/parameters.json"), atomically: true, encoding: .utf8)
        try "CREATE TABLE public.decoy_applied (x int);".write(
            to: layout.elsewhere.appendingPathComponent("migrations/0001_queue_schema.sql"), atomically: true, encoding: .utf8)
        return layout
    }

    private func run(_ layout: Layout, _ arguments: [String], environment: [String: String] = [:]) throws -> SpawnedProcess {
        let process = try SpawnedProcess(executable: layout.executable, arguments, environment: environment,
                                         unset: ["SIGVERIFY_MODEL_DIR", "SIGVERIFY_MIGRATIONS"], currentDirectory: layout.elsewhere)
        _ = process.waitForExit(timeout: 60)
        return process
    }

    func testVerifyAndInfoUseTheModelBesideTheExecutable() throws {
        let layout = try makeLayout(shippingMigrations: false)
        let page = FixturePaths.packageRoot.appendingPathComponent("samples/page.png").path
        let verify = try run(layout, ["verify", "--json", page])
        XCTAssertEqual(verify.process.terminationStatus, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.contains("\"model_version\":\"\(tinyVersion)\""), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("\"preprocessing\":\"seed\""), "JSON names the profile alone: \(verify.stdout)")
        let table = try run(layout, ["verify", page])
        XCTAssertEqual(table.process.terminationStatus, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("version \(tinyVersion)  preprocessing seed 1"), "the header names the profile and its version: \(table.stdout)")
        let info = try run(layout, ["info"])
        XCTAssertEqual(info.process.terminationStatus, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("model      \(layout.model.path)  version \(tinyVersion)"), info.stdout)
    }

    func testMigrateAppliesTheMigrationsBesideTheExecutable() throws {
        let layout = try makeLayout(shippingMigrations: true)
        let db = try TestDatabase(migrate: false)
        let migrate = try run(layout, ["migrate"], environment: ["DATABASE_URL": db.url])
        XCTAssertEqual(migrate.process.terminationStatus, 0, migrate.stderr)
        let conn = try db.connect()
        let shipped = try Migrator.bundled().migrations.count
        XCTAssertEqual(try conn.execute("SELECT count(*)::int AS n FROM sigverify.schema_migrations").int(0, "n"), shipped)
        XCTAssertNil(try conn.execute("SELECT to_regclass('public.decoy_applied')::text AS t").string(0, "t"))
    }

    func testNothingIsTakenFromTheCurrentFolder() throws {
        let layout = try makeLayout(shippingMigrations: false)
        try manager.removeItem(at: layout.model)
        // No database behind this URL: the lookup fails before any connection.
        let migrate = try run(layout, ["migrate", "--database-url", "postgresql://nobody@127.0.0.1:1/none"])
        XCTAssertEqual(migrate.process.terminationStatus, 1, migrate.stderr)
        XCTAssertTrue(migrate.stderr.contains("no migrations directory found"), migrate.stderr)
        XCTAssertTrue(migrate.stderr.contains(layout.root.appendingPathComponent("share/sigverify/migrations").path), migrate.stderr)
        XCTAssertFalse(migrate.stderr.contains(layout.elsewhere.path), migrate.stderr)
        let verify = try run(layout, ["verify", FixturePaths.packageRoot.appendingPathComponent("samples/page.png").path])
        XCTAssertEqual(verify.process.terminationStatus, 1, verify.stderr)
        XCTAssertTrue(verify.stderr.contains("no default model found"), verify.stderr)
    }
}
