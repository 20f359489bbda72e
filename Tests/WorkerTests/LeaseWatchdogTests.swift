import Worker
import XCTest

/// The heartbeat renews only loops that make progress (no database needed).
final class LeaseWatchdogTests: XCTestCase {
    func testOnlyLoopsThatMoveWithinTheLimitKeepTheirLeases() {
        let watchdog = LeaseWatchdog(batchDeadline: 10, leaseSeconds: 30)
        XCTAssertEqual(watchdog.limit, 60, "never below two lease lengths (a write may retry that long)")
        let loops = [
            LoopProgress.Snapshot(loop: 0, jobs: [5, 3], lastProgress: 100),
            LoopProgress.Snapshot(loop: 1, jobs: [7], lastProgress: 30),
            LoopProgress.Snapshot(loop: 2, jobs: [], lastProgress: 0),
        ]
        let review = watchdog.review(loops, now: 120)
        XCTAssertEqual(review.renew, [3, 5])
        XCTAssertEqual(review.stuck.map(\.loop), [1], "an idle loop holding nothing is never stuck")
        XCTAssertEqual(review.stuck.first?.jobs, [7])
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
