import DatabaseTestSupport
import Dispatch
import Foundation
import JobQueue
import TestSupport
import XCTest

/// Issue 19, "Hostile neighbours": what one client could do to everybody else's queue — hold the
/// audit chain's lock (finding 5), store giant strings (finding 6), deadlock its peers, or run an
/// old binary against a newer schema.
final class HostileNeighbourTests: XCTestCase {
    // MARK: Finding 5: nobody outside the sealing path can hold the chain's lock

    /// Every `pg_advisory_lock(N)` / `pg_advisory_xact_lock(N)` key written in migrations/.
    private func advisoryKeysInMigrations() throws -> [Int64] {
        let pattern = try NSRegularExpression(pattern: #"pg_advisory(?:_xact)?_lock(?:_shared)?\(\s*(-?[0-9]+)\s*\)"#)
        var keys = Set<Int64>()
        for migration in try Migrator.bundled().migrations {
            let sql = migration.sql as NSString
            for match in pattern.matches(in: migration.sql, range: NSRange(location: 0, length: sql.length)) {
                if let key = Int64(sql.substring(with: match.range(at: 1))) { keys.insert(key) }
            }
        }
        return keys.sorted()
    }

    /// Runs `body` on a thread; true when it finished within `seconds`.
    private func finishes(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            body()
            done.signal()
        }
        return done.wait(timeout: .now() + seconds) == .success
    }

    func testAnAdvisoryLockOnEveryKeyInTheMigrationsStopsNoEnqueueClaimOrVerdict() throws {
        let db = try TestDatabase()
        try db.queue().enqueue((0..<6).map { NewJob(image: Script.ok($0)) })
        let keys = try advisoryKeysInMigrations()
        XCTAssertFalse(keys.isEmpty, "migrations/ name the chain's old key (0007)")
        let hostile = try TestLogin(db, memberOf: "sigverify_enqueuer")
        let hostileConnection = try hostile.connect()
        for key in keys {
            try hostileConnection.execute("SELECT pg_advisory_lock($1::bigint)", [.int(key)])
        }
        defer { hostileConnection.close() }

        // A worker drains the six jobs while the keys are held (before 0010 its first claim waited
        // at commit for as long as the keys were held).
        let workerStart = Date()
        let worker = try SpawnedProcess("QueueTestWorker", ["--database-url", db.url, "--batch-size", "4", "--until-empty"])
        let status = worker.waitForExit(timeout: 30)
        let workerSeconds = Date().timeIntervalSince(workerStart)
        print("worker draining 6 jobs with every migration advisory key held by an enqueuer: "
              + (status == nil ? "> 30 s (hung, killed)" : String(format: "%.2f s", workerSeconds)))
        XCTAssertEqual(status, 0, "the worker did not finish within 30 s: \(worker.stderr)")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 6)

        // An enqueue by another client commits while the keys are still held.
        let enqueue = Unchecked(try db.queue())
        let enqueued = ResultBox()
        let started = Date()
        let inTime = finishes(within: 15) {
            do { enqueued.append(.success(try enqueue.value.enqueue([NewJob(image: Script.ok(6))]).map { Int($0) })) } catch {
                enqueued.append(.failure(error))
            }
        }
        print("enqueue with the keys held: \(inTime ? String(format: "%.2f s", Date().timeIntervalSince(started)) : "> 15 s (hung)")")
        if !inTime { hostileConnection.close() }  // let the hung enqueue go before failing
        XCTAssertTrue(inTime, "an enqueue waited over 15 s for an advisory lock an enqueuer held")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 7)
    }

    /// Enqueuers and workers cannot even read the chain's lock row; the auditor reads it (auditors
    /// read every table) but cannot lock it either.
    func testNoClientRoleCanLockTheChainLock() throws {
        let db = try TestDatabase()
        for group in ["sigverify_enqueuer", "sigverify_worker", "sigverify_auditor"] {
            let login = try TestLogin(db, memberOf: group)
            if group == "sigverify_auditor" {
                XCTAssertNoThrow(try login.connect().execute("SELECT * FROM sigverify.chain_lock"))
            }
            let reads = group == "sigverify_auditor" ? [] : ["SELECT * FROM sigverify.chain_lock"]
            for sql in reads + ["SELECT FROM sigverify.chain_lock FOR UPDATE", "SELECT FROM sigverify.chain_lock FOR KEY SHARE",
                                "BEGIN; LOCK TABLE sigverify.chain_lock IN ROW SHARE MODE; COMMIT",
                                "BEGIN; LOCK TABLE sigverify.chain_lock IN EXCLUSIVE MODE; COMMIT"] {
                XCTAssertThrowsError(try login.connect().executeScript(sql), "\(group): \(sql)") { error in
                    XCTAssertEqual((error as? PostgresError)?.sqlState, "42501", "\(group): \(sql): \(error)")
                }
            }
        }
    }

    /// The owner can still hold the lock (an operator's open transaction): a seal then waits at
    /// most lock_timeout (10 s) and fails with 55P03 and a readable message, and a worker retries
    /// its claim or write until it gets through — one verdict per job, nothing lost.
    func testAStalledSealFailsReadablyAndTheWorkerRetriesWithoutLosingOrDoublingAVerdict() throws {
        let db = try TestDatabase()
        try db.queue().enqueue((0..<4).map { NewJob(image: Script.ok($0)) })
        let holder = try db.connect()
        try holder.executeScript("BEGIN; SELECT FROM sigverify.chain_lock FOR UPDATE")

        let enqueue = try db.queue()
        let started = Date()
        XCTAssertThrowsError(try enqueue.enqueue([NewJob(image: Script.ok(9))])) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "55P03", "\(error)")
            XCTAssertTrue("\(error)".contains("could not seal") && "\(error)".contains("retry"), "\(error)")
            XCTAssertTrue((error as? PostgresError)?.isTransient == true)
        }
        let waited = Date().timeIntervalSince(started)
        print("seal waited \(String(format: "%.1f", waited)) s for a held chain lock")
        XCTAssertGreaterThan(waited, 9)
        XCTAssertLessThan(waited, 20)

        let worker = try SpawnedProcess("QueueTestWorker", ["--database-url", db.url, "--batch-size", "2", "--until-empty"])
        Thread.sleep(forTimeInterval: 12)  // at least one claim times out on the seal
        try holder.executeScript("COMMIT")
        XCTAssertEqual(worker.waitForExit(timeout: 60), 0, worker.stderr)
        XCTAssertTrue(worker.stderr.contains("55P03"), "the worker saw the timeout and retried: \(worker.stderr)")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 4)
        XCTAssertEqual(try db.scalar("SELECT count(DISTINCT job_id) FROM sigverify.verdicts"), 4)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status <> 'succeeded'"), 0)
        let audit = try SpawnedProcess("sigverify", ["audit"], environment: ["DATABASE_URL": db.url, "SIGVERIFY_LOG_LEVEL": "warning"])
        XCTAssertEqual(audit.waitForExit(timeout: 30), 0, audit.stderr)
    }

    // MARK: Finding 6: limits at the door

    private func assertRefused(_ connection: PostgresConnection, _ sql: String, saying expected: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try connection.execute(sql), sql, file: file, line: line) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "23514", "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(expected), "\(error) does not say \(expected)", file: file, line: line)
        }
    }

    func testGiantSubmittedStringsAreRefusedWithTheColumnAndTheLimit() throws {
        let db = try TestDatabase()
        let enqueuer = try TestLogin(db, memberOf: "sigverify_enqueuer")
        let connection = try enqueuer.connect()
        // The issue's sizes, built by the server (nothing that large crosses the wire).
        assertRefused(connection, "SELECT sigverify.enqueue_scan('\\x01'::bytea, filename => repeat('f', 200 * 1024 * 1024))",
                      saying: "filename is 209715200 bytes, over the limit of 1024 bytes")
        assertRefused(connection, "SELECT sigverify.enqueue_scan('\\x01'::bytea, metadata => jsonb_build_object('m', repeat('m', 100 * 1024 * 1024)))",
                      saying: "metadata is 104857609 bytes as JSON text, over the limit of 65536 bytes")
        assertRefused(connection, "SELECT sigverify.enqueue_scan('\\x01'::bytea, content_type => repeat('c', 10 * 1024 * 1024))",
                      saying: "content_type is 10485760 bytes, over the limit of 255 bytes")
        assertRefused(connection, "SELECT sigverify.submit_scan('\\x01'::bytea, filename => repeat('é', 513))",
                      saying: "filename is 1026 bytes")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 0)
        // At the limits: accepted.
        XCTAssertNoThrow(try connection.execute("""
            SELECT sigverify.enqueue_scan('\\x01'::bytea, filename => repeat('f', 1024), content_type => repeat('c', 255),
                                          metadata => jsonb_build_object('m', repeat('m', 65536 - 9)))
            """))
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 1)
        // A cancellation's reason ends up in last_error and the event: bounded too.
        assertRefused(connection, "SELECT sigverify.cancel_job((SELECT max(id) FROM sigverify.jobs), repeat('r', 1025))", saying: "reason is 1025 bytes, over the limit of 1024 bytes")
        XCTAssertEqual(try connection.execute("SELECT sigverify.cancel_job((SELECT max(id) FROM sigverify.jobs), repeat('r', 1024)) AS c").bool(0, "c"), true)
    }

    /// A row stored before the limits (here: written by a superuser with the check switched off)
    /// comes back from a claim and from `report` cut to size.
    func testClaimAndReportReturnOnlyBoundedStrings() throws {
        let db = try TestDatabase()
        try db.connect().executeScript("""
            BEGIN;
            ALTER TABLE sigverify.jobs DISABLE TRIGGER jobs_check_submission;
            SELECT sigverify.enqueue_scan(convert_to('ok:1', 'UTF8'), external_ref => NULL,
                filename => repeat('f', 20 * 1024 * 1024), content_type => repeat('c', 1024 * 1024));
            SELECT sigverify.enqueue_scan(convert_to('permanent:bad', 'UTF8'), filename => repeat('g', 20 * 1024 * 1024));
            ALTER TABLE sigverify.jobs ENABLE TRIGGER jobs_check_submission;
            COMMIT;
            """)
        let queue = try db.queue()
        let claimed = try queue.claim(batchSize: 2, leaseSeconds: 30, workerId: "w")
        XCTAssertEqual(claimed.count, 2)
        for job in claimed {
            XCTAssertLessThanOrEqual(job.filename?.utf8.count ?? 0, 1024, "filename of job \(job.id)")
            XCTAssertLessThanOrEqual(job.contentType?.utf8.count ?? 0, 255, "content_type of job \(job.id)")
        }
        _ = try queue.finish([JobResult(job: claimed[0], outcome: .success(QueueTests.verdict())),
                              JobResult(job: claimed[1], outcome: .failure(.permanent("bad")))], workerId: "w")
        for (title, table) in try queue.reportTables() {
            for row in table.rows {
                for cell in row { XCTAssertLessThanOrEqual(cell?.utf8.count ?? 0, 4096, "a cell of \(title)") }
            }
        }
    }

    // MARK: One lock order: job rows by id, then the chain

    /// A worker's write (verdicts, then failures) and its heartbeat (lease renewal) lock the same
    /// job rows; they used to do so in different orders and deadlock (40P01). Here the heartbeat
    /// renews a batch's leases in a tight loop while the batch is written, its verdicts and
    /// failures interleaved by id, round after round.
    func testAWriteAndTheHeartbeatOverTheSameRowsNeverDeadlock() throws {
        let db = try TestDatabase()
        let rounds = 25, batch = 32
        try db.queue().enqueue((0..<(rounds * batch)).map { NewJob(image: Script.ok($0)) })
        let deadlocksBefore = try db.scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        let writer = try db.queue()
        let heartbeat = Unchecked(try db.queue())
        let errors = ErrorBox()
        for _ in 0..<rounds {
            let claimed = try writer.claim(batchSize: batch, leaseSeconds: 30, workerId: "w")
            let ids = claimed.map(\.id)
            let stop = StopFlag()
            let beating = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                while !stop.isSet {
                    do { _ = try heartbeat.value.heartbeat(workerId: "w", jobIds: ids.shuffled(), leaseSeconds: 30) } catch { errors.append(error) }
                }
                beating.signal()
            }
            let results = claimed.map { job in
                JobResult(job: job, outcome: job.id % 2 == 0 ? .success(QueueTests.verdict()) : .failure(.permanent("odd")))
            }
            do { _ = try writer.finish(results, workerId: "w") } catch { errors.append(error) }
            stop.set()
            beating.wait()
            if !errors.values.isEmpty { break }
        }
        Thread.sleep(forTimeInterval: 1.5)  // the statistics collector's flush
        let deadlocks = try db.scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()") - deadlocksBefore
        print("write vs heartbeat over \(rounds * batch) jobs: \(deadlocks) deadlocks, \(errors.values.count) errors")
        XCTAssertEqual(errors.values.map { "\($0)" }, [], "no 40P01 (nor anything else)")
        XCTAssertEqual(deadlocks, 0)
        guard errors.values.isEmpty else { return }
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status IN ('succeeded', 'failed')"), rounds * batch)
    }

    /// The issue's scenario, smaller: two worker processes over many no-op jobs, leases of 1 s so
    /// that the heartbeats (every ⅓ s) keep meeting the writes; no deadlock counted, none logged.
    func testTwoWorkerProcessesOverManyNoOpJobsNeverDeadlock() throws {
        let db = try TestDatabase()
        let jobs = 3000
        try db.queue().enqueue((0..<jobs).map { NewJob(image: Script.ok($0)) })
        let deadlocksBefore = try db.scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        let workers = try (0..<2).map { _ in
            try SpawnedProcess("QueueTestWorker", ["--database-url", db.url, "--batch-size", "8", "--concurrency", "2",
                                                   "--lease-seconds", "1", "--until-empty"])
        }
        for w in workers { XCTAssertEqual(w.waitForExit(timeout: 120), 0, w.stderr) }
        Thread.sleep(forTimeInterval: 1.5)
        let deadlocks = try db.scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()") - deadlocksBefore
        print("two workers over \(jobs) no-op jobs: \(deadlocks) deadlocks")
        XCTAssertEqual(deadlocks, 0)
        for w in workers { XCTAssertFalse(w.stderr.contains("40P01"), w.stderr) }
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), jobs)
    }

    // MARK: An older binary against a newer schema

    func testABinaryOlderThanTheSchemaRefusesToRun() throws {
        let db = try TestDatabase()
        let known = try Migrator.bundled().migrations.last?.version ?? 0
        let newer = known + 1
        try db.connect().execute("INSERT INTO sigverify.schema_migrations (version, name, md5) VALUES ($1, 'from_the_future', md5(''))",
                                 [.int(newer)])
        XCTAssertThrowsError(try Migrator.bundled().migrate(try db.connect())) { error in
            XCTAssertTrue("\(error)".contains("version \(newer)") && "\(error)".contains("version \(known)"), "\(error)")
        }
        let enqueuer = try TestLogin(db, memberOf: "sigverify_enqueuer")
        let worker = try TestLogin(db, memberOf: "sigverify_worker")
        let commands: [(args: [String], url: String)] = [
            (["migrate"], db.url), (["enqueue", "samples/page.png"], enqueuer.url), (["work", "--until-empty"], worker.url),
            (["status"], db.url), (["report"], db.url), (["audit"], db.url), (["prune", "--older-than", "1s"], db.url),
        ]
        for (args, url) in commands {
            let process = try SpawnedProcess(executable: try SpawnedProcess.productURL("sigverify"), args + ["--database-url", url],
                                             environment: ["SIGVERIFY_LOG_LEVEL": "warning"], currentDirectory: FixturePaths.packageRoot)
            let status = process.waitForExit(timeout: 60)
            XCTAssertNotNil(status, "sigverify \(args[0]) hung")
            XCTAssertNotEqual(status, 0, "sigverify \(args[0]): \(process.stdout)")
            let lines = process.stderr.split(separator: "\n").filter { $0.contains("version \(newer)") && $0.contains("version \(known)") }
            XCTAssertEqual(lines.count, 1, "sigverify \(args[0]) names both versions on one line: \(process.stderr)")
        }
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs"), 0, "nothing was enqueued")
    }
}

extension HostileNeighbourTests {
    /// A second login in `group` (TestLogin names its role after the database and the group).
    private func otherLogin(_ db: TestDatabase, _ group: String, suffix: String) throws -> (url: String, drop: () -> Void) {
        let role = db.name + "_" + suffix
        let admin = try PostgresConnection(url: db.adminURL)
        try admin.executeScript("CREATE ROLE \(PostgresConnection.quoteIdentifier(role)) LOGIN IN ROLE \(PostgresConnection.quoteIdentifier(group))")
        guard var components = URLComponents(string: db.url) else { throw XCTSkip("DATABASE_URL is not a URL") }
        components.user = role
        components.password = nil
        return (components.string!, {
            try? PostgresConnection(url: db.adminURL).executeScript("DROP ROLE IF EXISTS \(PostgresConnection.quoteIdentifier(role))")
        })
    }

    private func count(_ connection: PostgresConnection, _ sql: String) throws -> Int {
        try connection.execute(sql).int(0, "n") ?? -1
    }

    func testAnEnqueuerSeesAndCancelsOnlyItsOwnJobs() throws {
        let db = try TestDatabase()
        let alice = try TestLogin(db, memberOf: "sigverify_enqueuer")
        let (bobURL, dropBob) = try otherLogin(db, "sigverify_enqueuer", suffix: "bob")
        defer { dropBob() }
        let auditor = try TestLogin(db, memberOf: "sigverify_auditor")
        let a = try alice.queue(), b = JobQueue(connection: try PostgresConnection(url: bobURL))
        let aliceJobs = try a.enqueue([NewJob(image: Script.ok(1), idempotencyKey: .given("same-key")), NewJob(image: Script.ok(2))])
        let bobJobs = try b.enqueue([NewJob(image: Script.ok(1), idempotencyKey: .given("same-key"))])
        XCTAssertNotEqual(bobJobs, [aliceJobs[0]], "a key names a job per submitter: Bob's same key is his own job")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE submitted_by = $1", [.text(alice.role)]), 2)

        XCTAssertEqual(try count(a.db, "SELECT count(*) AS n FROM sigverify.jobs"), 2)
        XCTAssertEqual(try count(b.db, "SELECT count(*) AS n FROM sigverify.jobs"), 1)
        XCTAssertEqual(try count(b.db, "SELECT count(*) AS n FROM sigverify.job_events"), 1)
        XCTAssertEqual(try count(b.db, "SELECT sum(jobs)::int AS n FROM sigverify.queue_depth"), 1)
        XCTAssertEqual(try count(auditor.connect(), "SELECT count(*) AS n FROM sigverify.jobs"), 3, "the auditor sees all")
        XCTAssertFalse(try b.cancel(jobId: aliceJobs[1]), "Bob cannot cancel Alice's job")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE status = 'queued'"), 3)
        XCTAssertTrue(try a.cancel(jobId: aliceJobs[1]))

        // A worker (sees everything) judges the rest; each enqueuer sees its own verdicts only.
        let worker = try TestLogin(db, memberOf: "sigverify_worker")
        let process = try SpawnedProcess("QueueTestWorker", ["--database-url", worker.url, "--until-empty"])
        XCTAssertEqual(process.waitForExit(timeout: 60), 0, process.stderr)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.verdicts"), 2)
        XCTAssertEqual(try count(a.db, "SELECT count(*) AS n FROM sigverify.verdicts"), 1)
        XCTAssertEqual(try count(b.db, "SELECT count(*) AS n FROM sigverify.recent_verdicts"), 1)
        XCTAssertEqual(try count(b.db, "SELECT count(*) AS n FROM sigverify.recent_verdicts WHERE job_id = \(bobJobs[0])"), 1)
        // The submitter cannot be forged or changed, even by the owner.
        XCTAssertThrowsError(try db.connect().execute("UPDATE sigverify.jobs SET submitted_by = 'someone' WHERE id = \(bobJobs[0])"))
    }
}

private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Error] = []
    func append(_ error: Error) { lock.withLock { storage.append(error) } }
    var values: [Error] { lock.withLock { storage } }
}

/// A value handed to another thread whose use the test serialises itself.
private final class Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
