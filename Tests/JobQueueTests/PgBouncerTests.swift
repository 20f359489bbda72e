import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// Many workers through PgBouncer in transaction-pooling mode (scripts/pgbouncer-start.sh, in front
/// of the test server): LISTEN/NOTIFY cannot work there, so the workers must notice the pooler, say
/// they poll, and still give every job exactly one verdict.
final class PgBouncerTests: XCTestCase {
    private let root = FixturePaths.packageRoot

    func testWorkersThroughPgBouncerTransactionPoolingPollAndFinishEveryJobOnce() throws {
        guard ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].contains(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("pgbouncer is not installed (scripts/setup-deps.sh installs it)")
        }
        let db = try TestDatabase()
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sv-pgbouncer-\(UInt32.random(in: 0...UInt32.max))")
        let poolSize = 4
        let bouncer = try PrivateCluster.run(root.appendingPathComponent("scripts/pgbouncer-start.sh").path,
                                             [dir.path, db.adminURL, "\(poolSize)"]).trimmingCharacters(in: .whitespacesAndNewlines)
        defer {
            _ = try? PrivateCluster.run(root.appendingPathComponent("scripts/pgbouncer-stop.sh").path, [dir.path])
            try? FileManager.default.removeItem(at: dir)
        }
        let url = try TestDatabase.url(bouncer, database: db.name)
        XCTAssertNil(try db.connect().poolerEvidence(), "a direct connection is not pooled")
        XCTAssertNotNil(try PostgresConnection(url: url).poolerEvidence(), "PgBouncer is recognised")

        let jobs = 400
        _ = try db.queue().enqueue((0..<jobs).map { NewJob(image: Script.sleep($0 % 4, $0)) })
        // One sampling connection; it counts only backends started after this instant, so the test's
        // own direct connections above (whose backends may linger briefly after closing) never count.
        let sampler = try db.connect()
        let start = try sampler.execute("SELECT clock_timestamp()::text AS t").string(0, "t") ?? ""
        // 3 processes × (2 claim loops + heartbeat + readiness probe) = 12 clients on 4 server connections.
        let workers = try (0..<3).map { i in
            try SpawnedProcess("QueueTestWorker", ["--database-url", url, "--concurrency", "2", "--batch-size", "\([1, 8, 16][i])",
                                                   "--until-empty", "--metrics-address", "127.0.0.1:0"])
        }
        var mostServerConnections = 0
        _ = try eventually(timeout: 5) {
            let r = try sampler.execute("""
                SELECT count(*) AS n FROM pg_stat_activity
                WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_start >= $2::timestamptz
                """, [.text(db.name), .text(start)])
            mostServerConnections = max(mostServerConnections, try r.int(0, "n") ?? 0)
            return false
        }
        for w in workers { XCTAssertEqual(w.waitForExit(timeout: 90), 0, w.stderr) }

        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), jobs)
        XCTAssertEqual(try db.scalar("""
            SELECT count(*) FROM sigverify.jobs j
            WHERE j.status = 'succeeded' AND (SELECT count(*) FROM sigverify.verdicts v WHERE v.job_id = j.id) = 1
            """), jobs, "every job succeeded with exactly one verdict")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events WHERE to_status = 'succeeded'"), jobs)
        XCTAssertGreaterThanOrEqual(try db.scalar("SELECT count(DISTINCT worker_id) FROM sigverify.verdicts"), 2, "the work was shared")
        XCTAssertGreaterThan(mostServerConnections, 0, "the sampler saw PgBouncer's server connections")
        XCTAssertLessThanOrEqual(mostServerConnections, poolSize, "PgBouncer multiplexed the clients")
        for w in workers {
            XCTAssertTrue(w.stderr.contains("connected through a connection pooler"), w.stderr)
            XCTAssertTrue(w.stderr.contains("LISTEN/NOTIFY unavailable, polling for jobs every"), w.stderr)
        }
    }
}
