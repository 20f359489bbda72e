import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// Issue 13, finding 5: `sigverify enqueue` was neither atomic nor idempotent — an unreadable file
/// stopped a run with earlier batches committed and only "cannot read …" said, SIGTERM left
/// thousands committed without a word, and every re-run queued the committed files again.
final class IdempotentEnqueueTests: XCTestCase {
    /// A fresh folder of `count` distinct tiny scans (`s00000.png`, …), removed after the test
    /// (plain POSIX calls and `rm -rf`: Foundation's file calls cost milliseconds each here).
    private func scanFolder(_ count: Int) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sv-enq-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock {
            let rm = Process()
            rm.executableURL = URL(fileURLWithPath: "/bin/rm")
            rm.arguments = ["-rf", dir.path]
            try? rm.run()
            rm.waitUntilExit()
        }
        for i in 0..<count {
            let fd = open(dir.appendingPathComponent(String(format: "s%05d.png", i)).path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            XCTAssertGreaterThanOrEqual(fd, 0)
            let bytes = Array("scan \(i)".utf8)
            XCTAssertEqual(write(fd, bytes, bytes.count), bytes.count)
            close(fd)
        }
        return dir
    }

    private func enqueue(_ db: TestDatabase, _ arguments: [String]) throws -> SpawnedProcess {
        try SpawnedProcess("sigverify", ["enqueue"] + arguments, environment: ["DATABASE_URL": db.url, "SIGVERIFY_LOG_LEVEL": "warning"])
    }

    private func jobCount(_ db: TestDatabase) throws -> Int { try db.scalar("SELECT count(*) FROM sigverify.jobs") }

    func testARerunQueuesNothingTwice() throws {
        let db = try TestDatabase()
        let dir = try scanFolder(12)
        let first = try enqueue(db, ["--batch-size", "5", dir.path])
        XCTAssertEqual(first.waitForExit(timeout: 60), 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("enqueued 12 scans: 12 new (job ids 1…12), 0 already queued"), first.stdout)
        let again = try enqueue(db, ["--batch-size", "5", dir.path])
        XCTAssertEqual(again.waitForExit(timeout: 60), 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("enqueued 12 scans: 0 new, 12 already queued (job ids 1…12)"), again.stdout)
        XCTAssertEqual(try jobCount(db), 12)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.job_events"), 12, "a duplicate writes no event")
    }

    /// A file the process cannot read: mode 000 for an ordinary user; for root (who reads any
    /// mode) a link to a write-only kernel attribute, which even root cannot open for reading.
    private func makeUnreadable(_ url: URL) throws {
        if getuid() != 0 {
            try Data("secret".utf8).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: url.path)
        } else {
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: "/sys/bus/pci/rescan")
            XCTAssertNil(FileManager.default.contents(atPath: url.path), "the fixture must be unreadable")
        }
    }

    func testAnUnreadableFileIsRefusedAndEveryOtherFileQueuedOnceAcrossReruns() throws {
        let db = try TestDatabase()
        let dir = try scanFolder(11)
        let bad = dir.appendingPathComponent("s00007-unreadable.png")  // sorts eighth, in the second batch of 5
        try makeUnreadable(bad)
        for run in 0..<2 {
            let p = try enqueue(db, ["--batch-size", "5", dir.path])
            XCTAssertEqual(p.waitForExit(timeout: 60), 1, p.stderr)
            XCTAssertTrue(p.stderr.contains("refused \(bad.path): not readable"), p.stderr)
            let expected = run == 0 ? "enqueued 11 scans: 11 new (job ids 1…11), 0 already queued"
                                    : "enqueued 11 scans: 0 new, 11 already queued (job ids 1…11)"
            XCTAssertTrue(p.stdout.contains(expected) && p.stdout.contains("1 refused"), p.stdout)
            XCTAssertEqual(try jobCount(db), 11, "run \(run)")
        }
    }

    func testADatabaseErrorMidRunSaysExactlyWhatWasCommittedAndTheRerunCompletesIt() throws {
        let db = try TestDatabase()
        let dir = try scanFolder(23)
        // The database refuses the 13th file (third batch of 5): batches 1–2 are committed, 3 is not.
        try db.connect().executeScript("""
            CREATE FUNCTION public.refuse_s00012() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.filename = 's00012.png' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_s00012 BEFORE INSERT ON sigverify.jobs FOR EACH ROW EXECUTE FUNCTION public.refuse_s00012();
            """)
        let failed = try enqueue(db, ["--batch-size", "5", dir.path])
        XCTAssertEqual(failed.waitForExit(timeout: 60), 1, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("disk full (simulated)"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("committed before the stop: 10 new jobs (job ids 1…10)"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("not submitted: 13 files, from \(dir.path)/s00010.png"), failed.stderr)
        XCTAssertEqual(try jobCount(db), 10)

        try db.connect().executeScript("DROP TRIGGER refuse_s00012 ON sigverify.jobs")
        let rerun = try enqueue(db, ["--batch-size", "5", dir.path])
        XCTAssertEqual(rerun.waitForExit(timeout: 60), 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("enqueued 23 scans: 13 new"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("10 already queued (job ids 1…10)"), rerun.stdout)
        XCTAssertEqual(try jobCount(db), 23)
        XCTAssertEqual(try db.scalar("SELECT count(DISTINCT external_ref) FROM sigverify.jobs"), 23)
    }

    func testSIGTERMMidRunEndsCleanlySaysWhatWasCommittedAndTheRerunCompletesIt() throws {
        let db = try TestDatabase()
        let files = 1000
        let dir = try scanFolder(files)
        let run = try enqueue(db, ["--batch-size", "2", dir.path])
        XCTAssertTrue(try eventually(timeout: 30) { try jobCount(db) > 0 }, "the run commits its first batch")
        run.signal(SIGTERM)
        XCTAssertEqual(run.waitForExit(timeout: 60), 128 + SIGTERM, run.stderr)
        let committed = try jobCount(db)
        XCTAssertGreaterThan(committed, 0)
        XCTAssertLessThan(committed, files, "stopped before the end")
        XCTAssertTrue(run.stderr.contains("enqueue stopped: interrupted"), run.stderr)
        XCTAssertTrue(run.stderr.contains("committed before the stop: \(committed) new jobs"), "\(committed): \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("not submitted: \(files - committed) files"), run.stderr)
        XCTAssertTrue(run.stdout.contains("enqueued \(committed) scans: \(committed) new"), run.stdout)

        let rerun = try enqueue(db, ["--batch-size", "500", dir.path])
        XCTAssertEqual(rerun.waitForExit(timeout: 120), 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("\(files - committed) new"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("\(committed) already queued"), rerun.stdout)
        XCTAssertEqual(try jobCount(db), files)
    }

    /// Issue 19: SIGHUP is handled as SIGTERM (it used to kill the run mid-batch without a word).
    func testSIGHUPMidRunEndsLikeSIGTERM() throws {
        let db = try TestDatabase()
        let files = 1000
        let dir = try scanFolder(files)
        let run = try enqueue(db, ["--batch-size", "2", dir.path])
        XCTAssertTrue(try eventually(timeout: 30) { try jobCount(db) > 0 }, "the run commits its first batch")
        run.signal(SIGHUP)
        XCTAssertEqual(run.waitForExit(timeout: 60), 128 + SIGHUP, run.stderr)
        let committed = try jobCount(db)
        XCTAssertLessThan(committed, files, "stopped before the end")
        XCTAssertTrue(run.stderr.contains("enqueue stopped: interrupted"), run.stderr)
        XCTAssertTrue(run.stderr.contains("committed before the stop: \(committed) new jobs"), "\(committed): \(run.stderr)")
    }

    func testAllowDuplicatesQueuesEveryRunAgain() throws {
        let db = try TestDatabase()
        let dir = try scanFolder(3)
        for _ in 0..<2 {
            let p = try enqueue(db, ["--allow-duplicates", dir.path])
            XCTAssertEqual(p.waitForExit(timeout: 60), 0, p.stderr)
        }
        XCTAssertEqual(try jobCount(db), 6)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM sigverify.jobs WHERE idempotency_key IS NULL"), 6)
    }
}
