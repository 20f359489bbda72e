import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// `--metrics-address` on a running worker process (QueueTestWorker: the real Worker loop and the
/// real endpoint, a scripted processor): status codes, metric values after a known set of jobs,
/// `/healthz` when a loop stalls, `/readyz` when the database goes away.
final class OperationsEndpointTests: XCTestCase {
    private func worker(_ url: String, _ extra: [String] = []) throws -> SpawnedProcess {
        try SpawnedProcess("QueueTestWorker", ["--database-url", url, "--metrics-address", "127.0.0.1:0"] + extra)
    }

    func testMetricsCountAKnownSetOfJobs() throws {
        let db = try TestDatabase()
        var jobs = (0..<10).map { NewJob(image: Script.ok($0)) }
        jobs.append(NewJob(image: Array(("ok:" + String(repeating: "x", count: 1100)).utf8)))  // reconstruction rejects: invalid
        jobs.append(NewJob(image: Array("permanent:unreadable".utf8)))
        jobs.append(NewJob(image: Array("transient:disk full".utf8), maxAttempts: 2))
        _ = try db.queue().enqueue(jobs)
        let w = try worker(db.url, ["--batch-size", "4", "--retry-base", "0.05"])
        let port = try w.endpointPort()
        XCTAssertTrue(try eventually(timeout: 20) {
            try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status IN ('succeeded', 'failed')") == 13
        }, w.stderr)
        // Counters are updated once a batch is written, just after the database shows it.
        XCTAssertTrue(try eventually(timeout: 5) { try HTTPGet(port: port, path: "/metrics").sample("sigverify_jobs_failed_total") == 2 })
        let metrics = try HTTPGet(port: port, path: "/metrics")
        XCTAssertEqual(metrics.status, 200)
        let expected: [(String, Double)] = [
            ("sigverify_jobs_claimed_total", 14), ("sigverify_jobs_succeeded_total", 11), ("sigverify_jobs_failed_total", 2),
            ("sigverify_jobs_retried_total", 1), ("sigverify_lease_losses_total", 0), ("sigverify_reconnects_total", 0),
            (#"sigverify_verdicts_total{verdict="valid"}"#, 10), (#"sigverify_verdicts_total{verdict="invalid"}"#, 1),
            (#"sigverify_criterion_rejections_total{criterion="reconstruction"}"#, 1),
            (#"sigverify_criterion_rejections_total{criterion="classifier"}"#, 0),
            (#"sigverify_stage_duration_seconds_count{stage="decode"}"#, 11),
            (#"sigverify_model_info{model_version="test-scripted"}"#, 1), ("sigverify_database_up", 1),
        ]
        for (name, value) in expected { XCTAssertEqual(metrics.sample(name), value, name + "\n" + metrics.body) }
        XCTAssertGreaterThanOrEqual(metrics.sample("sigverify_batch_duration_seconds_count") ?? 0, 4, metrics.body)
        XCTAssertTrue(metrics.body.contains("# TYPE sigverify_batch_duration_seconds histogram"), metrics.body)
        XCTAssertTrue(metrics.body.contains("sigverify_queue_jobs{status=\"queued\"}"), metrics.body)

        XCTAssertEqual(try HTTPGet(port: port, path: "/healthz").status, 200)
        XCTAssertEqual(try HTTPGet(port: port, path: "/readyz").status, 200)
        XCTAssertEqual(try HTTPGet(port: port, path: "/nope").status, 404)
        w.signal(SIGTERM)
        XCTAssertEqual(w.waitForExit(timeout: 10), 0, w.stderr)
    }

    func testHealthzTurnsUnhealthyWhileALoopStallsAndQueueGaugesShowTheBacklog() throws {
        let db = try TestDatabase()
        // Heartbeat every second (a third of the lease), idle polls every 0.5 s: both within the 2 s limit.
        let w = try worker(db.url, ["--batch-size", "2", "--lease-seconds", "3", "--liveness-timeout", "2"])
        let port = try w.endpointPort()
        XCTAssertTrue(try eventually(timeout: 10) { try HTTPGet(port: port, path: "/healthz").status == 200 }, w.stderr)
        // One batch of two 4 s scans: the claim loop makes no progress for 8 s.
        _ = try db.queue().enqueue([NewJob(image: Script.sleep(4000, 0)), NewJob(image: Script.sleep(4000, 1))]
                                   + (2..<6).map { NewJob(image: Script.ok($0)) })
        XCTAssertTrue(try eventually(timeout: 6) { try HTTPGet(port: port, path: "/healthz").status == 503 }, w.stderr)
        let unhealthy = try HTTPGet(port: port, path: "/healthz")
        XCTAssertTrue(unhealthy.body.contains("stalled: sigverify-loop-0"), unhealthy.body)
        XCTAssertFalse(unhealthy.body.contains("heartbeat"), "the heartbeat kept going: \(unhealthy.body)")
        XCTAssertEqual(try HTTPGet(port: port, path: "/readyz").status, 200, "a stalled loop is not a readiness problem")
        // The queue poller (every 5 s) sees the backlog while the loop is stuck: its batch and the
        // batch it claimed ahead are running, the rest queued.
        XCTAssertTrue(try eventually(timeout: 7) {
            let m = try HTTPGet(port: port, path: "/metrics")
            return m.sample(#"sigverify_queue_jobs{status="queued"}"#) == 2 && m.sample(#"sigverify_queue_jobs{status="running"}"#) == 4
        })
        XCTAssertGreaterThan(try HTTPGet(port: port, path: "/metrics").sample("sigverify_queue_oldest_age_seconds") ?? 0, 0)
        XCTAssertTrue(try eventually(timeout: 10) { try HTTPGet(port: port, path: "/healthz").status == 200 }, "healthy again")
        XCTAssertTrue(try eventually(timeout: 10) { try db.scalar("SELECT count(*) FROM sigverify.verdicts") == 6 })
        w.signal(SIGTERM)
        XCTAssertEqual(w.waitForExit(timeout: 10), 0, w.stderr)
    }

    func testReadyzFailsWhileTheDatabaseIsDown() throws {
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] != nil else {
            throw XCTSkip("DATABASE_URL is not set: run through scripts/test.sh")
        }
        let cluster = try PrivateCluster()
        defer { cluster.stop() }
        try Migrator.bundled().migrate(try PostgresConnection(url: cluster.url))
        let w = try worker(cluster.url)
        let port = try w.endpointPort()
        XCTAssertTrue(try eventually(timeout: 10) { try HTTPGet(port: port, path: "/readyz").status == 200 }, w.stderr)
        var sawDown: HTTPGet?
        let restarted = expectation(description: "restart")
        nonisolated(unsafe) let restarting = cluster  // used by that one thread until `restarted`
        DispatchQueue.global().async {
            try? restarting.restart(downFor: 6)
            restarted.fulfill()
        }
        _ = try eventually(timeout: 8) {
            let r = try HTTPGet(port: port, path: "/readyz")
            if r.status == 503 { sawDown = r }
            return sawDown != nil
        }
        XCTAssertEqual(sawDown?.status, 503)
        XCTAssertTrue(sawDown?.body.contains("database unreachable") == true, sawDown?.body ?? "")
        XCTAssertEqual(try HTTPGet(port: port, path: "/metrics").sample("sigverify_database_up"), 0)
        XCTAssertEqual(try HTTPGet(port: port, path: "/healthz").status, 200, "a database outage is no reason to restart the worker")
        wait(for: [restarted], timeout: 60)
        XCTAssertTrue(try eventually(timeout: 10) { try HTTPGet(port: port, path: "/readyz").status == 200 }, "ready again")
        w.signal(SIGTERM)
        XCTAssertEqual(w.waitForExit(timeout: 15), 0, w.stderr)
    }

    func testABadMetricsAddressOrNotifyModeIsAUsageError() throws {
        for bad in [["--metrics-address", "nonsense"], ["--metrics-address", "127.0.0.1:70000"], ["--metrics-address", ":9464"],
                    ["--notify", "maybe"]] {
            let p = try SpawnedProcess("sigverify", ["work", "--database-url", "postgresql://unused.invalid/x"] + bad)
            XCTAssertEqual(p.waitForExit(timeout: 30), 64, "\(bad): \(p.stderr)")
            XCTAssertTrue(p.stderr.contains(bad[0]) || p.stderr.contains("HOST:PORT"), p.stderr)
        }
    }
}
