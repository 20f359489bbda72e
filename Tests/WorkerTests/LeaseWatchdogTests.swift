import Worker
import XCTest

/// The heartbeat renews only loops that make progress (no database needed).
final class LeaseWatchdogTests: XCTestCase {
    func testOnlyLoopsThatMoveWithinTheLimitKeepTheirLeases() {
        let watchdog = LeaseWatchdog(batchDeadline: 10, leaseSeconds: 30, pollInterval: 5)
        XCTAssertEqual(watchdog.limit, 60, "never below two lease lengths (a write may retry that long)")
        let loops = [
            LoopProgress.Snapshot(loop: 0, jobs: [5, 3], lastProgress: 100),
            LoopProgress.Snapshot(loop: 1, jobs: [7], lastProgress: 30),
            LoopProgress.Snapshot(loop: 2, jobs: [], lastProgress: 56),
            LoopProgress.Snapshot(loop: 3, jobs: [], lastProgress: 54),
        ]
        let review = watchdog.review(loops, now: 120)
        XCTAssertEqual(review.renew, [3, 5])
        XCTAssertEqual(review.stuck.map(\.loop), [1, 3], "a loop holding nothing may also wait out a poll interval")
        XCTAssertEqual(review.stuck.map(\.jobs), [[7], []])
        XCTAssertEqual(review.stuck.first?.idleSeconds, 90)
    }

    func testAProgressClockMovesWithItsLoop() {
        let progress = LoopProgress(loop: 0)
        progress.hold([1, 2])
        let held = progress.snapshot
        XCTAssertEqual(held.jobs, [1, 2])
        Thread.sleep(forTimeInterval: 0.01)
        progress.advance()
        XCTAssertGreaterThan(progress.snapshot.lastProgress, held.lastProgress)
        progress.hold([])
        XCTAssertEqual(progress.snapshot.jobs, [])
    }
}
