import DatabaseTestSupport
import Foundation
import JobQueue
import TestSupport
import XCTest

/// Whole worker processes (the QueueTestWorker binary: the real Worker loop with a scripted
/// processor) racing, killed, signalled and cut off from their database.
final class WorkerProcessTests: XCTestCase {
    private func worker(_ db: TestDatabase, _ extra: [String] = [], url: String? = nil) throws -> SpawnedProcess {
        try SpawnedProcess("QueueTestWorker", ["--database-url", url ?? db.url] + extra)
    }

    /// Every job has exactly one verdict and one `succeeded` transition; nothing is left over.
    private func assertExactlyOnce(_ db: TestDatabase, jobs: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'succeeded'"), jobs, file: file, line: line)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), jobs, file: file, line: line)
        XCTAssertEqual(try db.scalar("SELECT count(DISTINCT job_id) FROM sigverify.verdicts"), jobs, file: file, line: line)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events WHERE to_status = 'succeeded'"), jobs, file: file, line: line)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs j LEFT JOIN sigverify.verdicts v ON v.job_id = j.id WHERE v.id IS NULL"), 0,
                       file: file, line: line)
    }

    func testFourProcessesShareTheQueueWithExactlyOneVerdictEach() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let jobs = 600
        try queue.enqueue((0..<jobs).map { NewJob(image: Script.sleep($0 % 5, $0)) })
        let workers = try (0..<4).map { i in
            try worker(db, ["--batch-size", "\([1, 4, 8, 16][i])", "--concurrency", "\(i % 2 + 1)", "--until-empty", "--poll-interval", "2"])
        }
        for w in workers {
            XCTAssertEqual(w.waitForExit(timeout: 60), 0, w.stderr)
        }
        try assertExactlyOnce(db, jobs: jobs)
        XCTAssertGreaterThanOrEqual(try db.scalar("SELECT count(DISTINCT worker_id) FROM sigverify.verdicts"), 2,
                                    "the work was shared")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.workers WHERE stopped_at IS NOT NULL"), 4)
        let reported = workers.map { $0.stdout }.joined()
        XCTAssertEqual(reported.components(separatedBy: "\n").compactMap { line in
            line.split(separator: " ").first.flatMap { Int($0.replacingOccurrences(of: "succeeded=", with: "")) }
        }.reduce(0, +), jobs, reported)
    }

    func testIdleWorkersAreWokenByNotify() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        // A 60 s poll interval: only LISTEN/NOTIFY can make these workers react quickly.
        let workers = try (0..<2).map { _ in try worker(db, ["--poll-interval", "60"]) }
        XCTAssertTrue(try eventually(timeout: 10) { try db.scalar("SELECT count(*) FROM sigverify.workers") == 2 })
        Thread.sleep(forTimeInterval: 0.5)
        let start = Date()
        try queue.enqueue((0..<10).map { NewJob(image: Script.ok($0)) })
        XCTAssertTrue(try eventually(timeout: 10) { try db.scalar("SELECT count(*) FROM sigverify.verdicts") == 10 })
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        for w in workers { w.signal(SIGTERM) }
        for w in workers { XCTAssertEqual(w.waitForExit(timeout: 10), 0, w.stderr) }
        try assertExactlyOnce(db, jobs: 10)
    }

    func testKilledWorkersJobsAreFinishedByOthersAfterLeaseExpiry() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let ids = try queue.enqueue((0..<12).map { NewJob(image: Script.sleep(400, $0)) })
        let victim = try worker(db, ["--batch-size", "6", "--lease-seconds", "2"])
        XCTAssertTrue(try eventually(timeout: 10) {
            try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'running'") >= 6
        })
        victim.signal(SIGKILL)
        _ = victim.waitForExit(timeout: 5)
        let victimsJobs = try db.connect().execute("SELECT id FROM sigverify.jobs WHERE status = 'running' ORDER BY id")
        XCTAssertTrue([6, 12].contains(victimsJobs.count), "its batch, and perhaps the one it claimed ahead: \(victimsJobs.count)")
        let start = Date()
        let rescuer = try worker(db, ["--batch-size", "6", "--lease-seconds", "2", "--until-empty"])
        XCTAssertEqual(rescuer.waitForExit(timeout: 30), 0, rescuer.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 15)
        try assertExactlyOnce(db, jobs: ids.count)
        // The victim's batch was reclaimed after its lease expired: second attempt, reason in the audit trail.
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE attempts = 2"), victimsJobs.count)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events WHERE reason LIKE 'lease of % expired during attempt 1'"),
                       victimsJobs.count)
    }

    func testSigtermDrainsTheBatchInFlightAndExitsZero() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        _ = try queue.enqueue((0..<30).map { NewJob(image: Script.sleep(150, $0)) })
        let w = try worker(db, ["--batch-size", "5"])
        // A batch in flight, and with the overlapped loop perhaps the one claimed ahead of it.
        XCTAssertTrue(try eventually(timeout: 10) {
            try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'running'") >= 5
        })
        w.signal(SIGTERM)
        XCTAssertEqual(w.waitForExit(timeout: 15), 0, w.stderr)
        // The batch in flight was written; nothing is left running; the rest is untouched.
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'running'"), 0)
        let done = try db.scalar("SELECT count(*) FROM sigverify.verdicts")
        XCTAssertGreaterThanOrEqual(done, 5)
        XCTAssertLessThan(done, 30)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'queued' AND attempts = 0"), 30 - done)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.workers WHERE stopped_at IS NOT NULL"), 1)
    }

    /// Issue 19: SIGHUP (a closed terminal, `kill -HUP`) killed the worker at once (129, no drain).
    func testSighupDrainsTheBatchInFlightLikeSigterm() throws {
        let db = try TestDatabase()
        _ = try db.queue().enqueue((0..<30).map { NewJob(image: Script.sleep(150, $0)) })
        let w = try worker(db, ["--batch-size", "5"])
        XCTAssertTrue(try eventually(timeout: 10) {
            try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'running'") >= 5
        })
        w.signal(SIGHUP)
        XCTAssertEqual(w.waitForExit(timeout: 15), 0, w.stderr)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'running'"), 0)
        XCTAssertGreaterThanOrEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 5)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.workers WHERE stopped_at IS NOT NULL"), 1)
    }

    /// `nohup` (SIGHUP ignored when the worker starts) keeps a worker alive through a hangup.
    func testSighupIgnoredAtStartStaysIgnored() throws {
        let db = try TestDatabase()
        let executable = try SpawnedProcess.productURL("QueueTestWorker")
        let w = try SpawnedProcess(executable: URL(fileURLWithPath: "/bin/sh"),
                                   ["-c", "trap '' HUP && exec \"$0\" \"$@\"", executable.path, "--database-url", db.url])
        XCTAssertTrue(try eventually(timeout: 10) { try db.scalar("SELECT count(*) FROM sigverify.workers") == 1 }, w.stderr)
        w.signal(SIGHUP)
        Thread.sleep(forTimeInterval: 1)
        XCTAssertTrue(w.process.isRunning, "a nohup'd worker survives SIGHUP: \(w.stderr)")
        w.signal(SIGTERM)
        XCTAssertEqual(w.waitForExit(timeout: 10), 0, w.stderr)
    }

    /// The same through the shipped binary: `sigverify work` with a real (tiny) model.
    func testSighupStopsSigverifyWorkGracefully() throws {
        let db = try TestDatabase()
        let page = try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples/page.png"))
        for i in 0..<3 { _ = try db.queue().enqueueScan([UInt8](page), externalRef: "page \(i)") }
        let work = try SpawnedProcess("sigverify", ["work", "--model", FixturePaths.local("model_tiny").path, "--poll-interval", "30"],
                                      environment: ["DATABASE_URL": db.url])
        XCTAssertTrue(try eventually(timeout: 60) { try db.scalar("SELECT count(*) FROM sigverify.verdicts") == 3 }, work.stderr)
        work.signal(SIGHUP)
        XCTAssertEqual(work.waitForExit(timeout: 30), 0, work.stderr)
        XCTAssertTrue(work.stdout.contains(": 3 verdicts"), work.stdout)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.workers WHERE stopped_at IS NOT NULL"), 1)
    }

    func testSigtermWhileIdleExitsPromptly() throws {
        let db = try TestDatabase()
        let w = try worker(db, ["--poll-interval", "30"])
        XCTAssertTrue(try eventually(timeout: 10) { try db.scalar("SELECT count(*) FROM sigverify.workers") == 1 })
        Thread.sleep(forTimeInterval: 0.3)
        let start = Date()
        w.signal(SIGTERM)
        XCTAssertEqual(w.waitForExit(timeout: 10), 0, w.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3, "the idle wait is woken by the signal, not the 30 s poll")
    }

    func testPermanentAndTransientFailuresWhileGoodScansSucceed() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        var jobs = (0..<20).map { NewJob(image: Script.ok($0)) }
        jobs.insert(NewJob(image: Array("permanent:not an image (unknown magic bytes)".utf8), externalRef: "bad"), at: 5)
        jobs.insert(NewJob(image: Array("transient:scratch disk full".utf8), externalRef: "flaky", maxAttempts: 3), at: 9)
        _ = try queue.enqueue(jobs)
        let w = try worker(db, ["--batch-size", "8", "--until-empty", "--retry-base", "0.1"])
        XCTAssertEqual(w.waitForExit(timeout: 30), 0, w.stderr)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 20)
        let failed = try db.connect().execute("SELECT external_ref, attempts, last_error FROM sigverify.jobs WHERE status = 'failed' ORDER BY external_ref")
        XCTAssertEqual(failed.rows, [
            ["bad", "1", "not an image (unknown magic bytes)"],
            ["flaky", "3", "gave up after 3 attempts: scratch disk full"],
        ])
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events WHERE to_status = 'queued' AND from_status = 'running'"), 2,
                       "two retries before giving up")
    }

    func testWorkersSurviveADatabaseRestart() throws {
        guard ProcessInfo.processInfo.environment["DATABASE_URL"] != nil else {
            throw XCTSkip("DATABASE_URL is not set: run through scripts/test.sh")
        }
        let cluster = try PrivateCluster()
        defer { cluster.stop() }
        let url = cluster.url
        try Migrator.bundled().migrate(try PostgresConnection(url: url))
        let queue = JobQueue(connection: try PostgresConnection(url: url))
        let jobs = 300
        _ = try queue.enqueue((0..<jobs).map { NewJob(image: Script.sleep(10, $0)) })
        let workers = try (0..<2).map { _ in
            try SpawnedProcess("QueueTestWorker", ["--database-url", url, "--batch-size", "4", "--lease-seconds", "3", "--until-empty"])
        }
        XCTAssertTrue(try eventually(timeout: 10) {
            try PostgresConnection(url: url).execute("SELECT count(*) AS n FROM sigverify.verdicts").int(0, "n") ?? 0 >= 20
        })
        try cluster.restart(downFor: 1.5)
        for w in workers { XCTAssertEqual(w.waitForExit(timeout: 60), 0, w.stderr) }
        let check = try PostgresConnection(url: url)
        func count(_ sql: String) throws -> Int { try check.execute(sql).int(0, check.execute(sql).columns[0]) ?? -1 }
        XCTAssertEqual(try count("SELECT count(*) FROM sigverify.jobs WHERE status = 'succeeded'"), jobs)
        XCTAssertEqual(try count("SELECT count(*) FROM sigverify.verdicts"), jobs)
        XCTAssertEqual(try count("SELECT count(DISTINCT job_id) FROM sigverify.verdicts"), jobs)
        let reports = workers.map(\.stdout).joined()
        let reconnects = reports.split(whereSeparator: \.isWhitespace)
            .compactMap { $0.hasPrefix("reconnects=") ? Int($0.dropFirst("reconnects=".count)) : nil }
        XCTAssertEqual(reconnects.count, 2, reports)
        XCTAssertGreaterThanOrEqual(reconnects.reduce(0, +), 2, "both workers reconnected: \(reports)")
        XCTAssertTrue(workers.contains { $0.stderr.contains("reconnected") || $0.stderr.contains("retrying") },
                      "the outage was noticed")
    }
}
