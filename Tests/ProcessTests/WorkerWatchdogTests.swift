import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// Issue 13's findings, each reproduced with whole worker processes (QueueTestWorker: the real
/// Worker loop with a scripted processor): a hung loop must not keep its jobs, SIGTERM must beat
/// the grace even with the database gone, and a batch is bounded by bytes as well as count.
final class WorkerWatchdogTests: XCTestCase {
    private func worker(_ db: TestDatabase, _ extra: [String]) throws -> SpawnedProcess {
        try SpawnedProcess("QueueTestWorker", ["--database-url", db.url] + extra)
    }

    /// Why 3: a loop that hangs while holding a job. Before: the heartbeat renewed the job's lease
    /// forever, so a peer `--until-empty` never finished and the hung worker never exited.
    func testAStuckLoopsJobsAreReapedAndTheWorkerExitsNonZero() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue([NewJob(image: Script.stall(120_000, 0))] + (1..<5).map { NewJob(image: Script.ok($0)) })
        let stuck = try worker(db, ["--batch-size", "1", "--lease-seconds", "1", "--batch-deadline", "2", "--shutdown-grace", "1"])
        XCTAssertTrue(try eventually(timeout: 10) {
            try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE id = $1 AND status = 'running'", [.int(Int(ids[0]))]) == 1
        })
        let start = Date()
        let peer = try worker(db, ["--lease-seconds", "1", "--until-empty"])
        XCTAssertEqual(peer.waitForExit(timeout: 20), 0, "the stuck job was never released: \(peer.stderr)")
        let reaped = Date().timeIntervalSince(start)
        let status = stuck.waitForExit(timeout: 10)
        if status == nil { stuck.signal(SIGKILL) }
        XCTAssertNotNil(status, "the stuck worker did not exit")
        XCTAssertNotEqual(status, 0, "a stuck worker exits non-zero so a supervisor restarts it")
        XCTAssertTrue(stuck.stderr.contains("no progress"), stuck.stderr)
        XCTAssertLessThan(reaped, 12)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), ids.count)
        XCTAssertEqual(try db.scalar("SELECT attempts FROM sigverify.jobs WHERE id = $1", [.int(Int(ids[0]))]), 2)
        print("stuck loop's job finished by a peer \(String(format: "%.1f", reaped)) s after the peer started")
    }

    /// Why 3 as reported: the loop's own backend frozen (SIGSTOP: no statement timeout fires, the
    /// kernel still answers keepalives) just before it writes. The heartbeat's connection still
    /// works, and it used to renew the batch's leases for as long as the freeze lasted.
    func testAFrozenBackendDoesNotKeepTheBatchsLeasesAlive() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue((0..<4).map { NewJob(image: Script.sleep(400, $0)) })
        let frozen = try worker(db, ["--batch-size", "4", "--lease-seconds", "1", "--batch-deadline", "2", "--shutdown-grace", "1"])
        XCTAssertTrue(try eventually(timeout: 10) {
            try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'running'") == 4
        })
        Thread.sleep(forTimeInterval: 0.3)  // the scans came with the claim; the loop is processing
        // The loop's backend: its last statement was a claim (with the batch, then the empty claim ahead).
        let backend = try db.scalar("""
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%sigverify.claim_jobs%'
            """)
        guard kill(pid_t(backend), SIGSTOP) == 0 else { throw XCTSkip("cannot signal the server's backends (not root)") }
        defer {
            kill(pid_t(backend), SIGCONT)
            withExtendedLifetime(db) {}
        }
        let peer = try worker(db, ["--lease-seconds", "1", "--until-empty"])
        XCTAssertEqual(peer.waitForExit(timeout: 20), 0, "the frozen loop's jobs were never released: \(peer.stderr)")
        let status = frozen.waitForExit(timeout: 10)
        XCTAssertNotNil(status, "the worker with the frozen loop did not exit")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(frozen.stderr.contains("no progress"), frozen.stderr)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), ids.count)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE attempts = 2"), ids.count)
    }

    /// Why 7: SIGTERM while PostgreSQL is down. Before: the batch in flight retried its write for
    /// two lease lengths (58 s with the defaults); now the worker is gone within `--shutdown-grace`,
    /// leaving the unwritten jobs to their leases (never a lost or duplicated verdict).
    func testSigtermWhileTheDatabaseIsDownExitsWithinTheGrace() throws {
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] != nil else {
            throw XCTSkip("DATABASE_URL is not set: run through scripts/test.sh")
        }
        let cluster = try PrivateCluster()
        defer { cluster.stop() }
        try Migrator.bundled().migrate(try PostgresConnection(url: cluster.url))
        let queue = JobQueue(connection: try PostgresConnection(url: cluster.url))
        _ = try queue.enqueue((0..<4).map { NewJob(image: Script.sleep(1500, $0)) })
        let w = try SpawnedProcess("QueueTestWorker", ["--database-url", cluster.url, "--batch-size", "4",
                                                       "--lease-seconds", "15", "--shutdown-grace", "3"])
        XCTAssertTrue(try eventually(timeout: 10) {
            try PostgresConnection(url: cluster.url).execute("SELECT count(*) AS n FROM sigverify.jobs WHERE status = 'running'")
                .int(0, "n") == 4
        })
        try PrivateCluster.run(FixturePaths.packageRoot.appendingPathComponent("scripts/pg-stop.sh").path, [cluster.dir.path])
        let start = Date()
        w.signal(SIGTERM)
        let status = w.waitForExit(timeout: 40)
        let took = Date().timeIntervalSince(start)
        XCTAssertNotNil(status, w.stderr)
        XCTAssertLessThan(took, 5, "SIGTERM took \(took) s with a 3 s grace: \(w.stderr)")
        print("SIGTERM with PostgreSQL down: exited in \(String(format: "%.1f", took)) s (grace 3 s), status \(status ?? -1)")
    }

    /// Why 2: a batch is bounded by bytes as well as count. Six 1 MiB scans with a 2.5 MB budget
    /// are claimed two at a time (each claim stamps its jobs with one `started_at`). Before: one
    /// claim of all six, whatever their size.
    func testABatchIsBoundedByBytes() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        _ = try queue.enqueue((0..<6).map { NewJob(image: Script.ok($0, bytes: 1 << 20)) })
        _ = try queue.enqueue([NewJob(image: Script.ok(6, bytes: 3 << 20))])
        let w = try worker(db, ["--batch-size", "32", "--batch-bytes", "2500000", "--until-empty"])
        XCTAssertEqual(w.waitForExit(timeout: 30), 0, w.stderr)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 7)
        XCTAssertEqual(try db.scalar("SELECT count(DISTINCT started_at) FROM sigverify.jobs"), 4,
                       "three claims of two 1 MiB scans, and the 3 MiB scan alone (a claim always takes one job)")
        XCTAssertEqual(try db.scalar("""
            SELECT max(n) FROM (SELECT count(*) AS n FROM sigverify.jobs GROUP BY started_at) c
            """), 2)
    }
}
