import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// Migration 0014: the claim and `record_verdicts` find their rows without a bitmap scan of the
/// partial indexes on status, whose entries for jobs that left 'queued' or 'running' linger until
/// VACUUM — a bitmap scan visits every one of them on every batch, so the queue slowed down as its
/// history grew. Checked through the server's own counters (`pg_stat_user_indexes`) after the
/// statistics were taken with nothing queued or running, the state that led the planner to the
/// bitmap scans (auto_explain, README "The queue against PgQueuer").
final class ClaimPlanTests: XCTestCase {
    func testClaimAndVerdictsReadTheirRowsWithoutBitmapScans() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        try finishAll(try queue.enqueue((0..<2000).map { NewJob(image: [UInt8($0 % 256)]) }).count, queue)
        try queue.db.executeScript("ANALYZE sigverify.jobs")
        _ = try queue.enqueue((0..<64).map { NewJob(image: [UInt8($0)]) })

        let before = try counters(queue.db)
        let jobs = try queue.claim(batchSize: 32, leaseSeconds: 30, workerId: "w")
        let claimed = try counters(queue.db)
        XCTAssertEqual(jobs.count, 32)
        XCTAssertGreaterThanOrEqual(claimed["jobs_queued_idx", default: .zero].fetched - before["jobs_queued_idx", default: .zero].fetched, 32,
                                    "the claim reads the queued index in order (a plain index scan fetches its rows; a bitmap scan fetches none)")

        let summary = try queue.finish(jobs.map { JobResult(job: $0, outcome: .success(QueueTests.verdict())) }, workerId: "w")
        let finished = try counters(queue.db)
        XCTAssertEqual(summary.succeeded.count, 32)
        XCTAssertEqual(finished["jobs_running_lease_idx", default: .zero].scans, claimed["jobs_running_lease_idx", default: .zero].scans,
                       "record_verdicts finds its jobs by primary key, never through the running index")
        XCTAssertGreaterThan(finished["jobs_pkey", default: .zero].scans, claimed["jobs_pkey", default: .zero].scans,
                             "by primary key")
    }

    private struct Counters { var scans = 0, fetched = 0; static let zero = Counters() }

    /// This connection's index counters on sigverify.jobs, its own pending counts flushed first.
    private func counters(_ conn: PostgresConnection) throws -> [String: Counters] {
        _ = try conn.execute("SELECT pg_stat_force_next_flush()")
        let r = try conn.execute("""
            SELECT indexrelname::text AS name, idx_scan::bigint AS scans, idx_tup_fetch::bigint AS fetched
            FROM pg_stat_user_indexes WHERE schemaname = 'sigverify' AND relname = 'jobs'
            """)
        var out: [String: Counters] = [:]
        for i in 0..<r.count {
            guard let name = try r.string(i, "name") else { continue }
            out[name] = Counters(scans: try r.int(i, "scans") ?? 0, fetched: try r.int(i, "fetched") ?? 0)
        }
        return out
    }

    private func finishAll(_ count: Int, _ queue: JobQueue) throws {
        var done = 0
        while done < count {
            let jobs = try queue.claim(batchSize: 250, leaseSeconds: 30, workerId: "w")
            XCTAssertFalse(jobs.isEmpty)
            if jobs.isEmpty { return }
            done += try queue.finish(jobs.map { JobResult(job: $0, outcome: .success(QueueTests.verdict())) }, workerId: "w").succeeded.count
        }
    }
}
