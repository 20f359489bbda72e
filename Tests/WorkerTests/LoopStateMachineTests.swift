import Worker
import XCTest

/// The claim loop's lifecycle without a database: each test feeds events and checks the actions.
final class LoopStateMachineTests: XCTestCase {
    private func machine(untilEmpty: Bool = false, poll: Double = 5, giveUp: Double = 60, grace: Double = 25) -> LoopStateMachine {
        LoopStateMachine(rules: .init(untilEmpty: untilEmpty, pollInterval: poll, writeGiveUpSeconds: giveUp, shutdownGrace: grace))
    }

    private func assertBackoff(_ action: LoopAction, _ seconds: Double, _ message: String, line: UInt = #line) {
        guard case .backoff(let s, .connect) = action else { return XCTFail("\(action)", line: line) }
        XCTAssertEqual(s, seconds, accuracy: 1e-9, message, line: line)
    }

    func testABatchGoesClaimProcessWriteAndTheQueueDrains() {
        var m = machine(untilEmpty: true)
        XCTAssertEqual(m.start(), .connect)
        XCTAssertEqual(m.handle(.connected, now: 0), .claim)
        XCTAssertEqual(m.handle(.claimed(jobs: 3, bytes: 900), now: 0), .process)
        XCTAssertTrue(m.holdsBatch)
        XCTAssertEqual(m.handle(.processed, now: 1), .write)
        XCTAssertEqual(m.handle(.written, now: 1), .claim)
        XCTAssertFalse(m.holdsBatch)
        XCTAssertEqual(m.handle(.claimedNothing, now: 2), .checkPending)
        XCTAssertEqual(m.handle(.pending(queued: 0, running: 1, secondsUntilNextRunnable: nil), now: 2), .wait(seconds: 0.5),
                       "draining while another loop finishes: look again soon")
        XCTAssertEqual(m.handle(.woke, now: 3), .claim)
        XCTAssertEqual(m.handle(.claimedNothing, now: 3), .checkPending)
        XCTAssertEqual(m.handle(.pending(queued: 0, running: 0, secondsUntilNextRunnable: nil), now: 3), .exit(.drained))
    }

    func testIdleWaitsForTheNextDeferredRetryOrThePollInterval() {
        var m = machine(poll: 5)
        _ = m.handle(.connected, now: 0)
        _ = m.handle(.claimedNothing, now: 0)
        XCTAssertEqual(m.handle(.pending(queued: 2, running: 0, secondsUntilNextRunnable: 1.5), now: 0), .wait(seconds: 1.5))
        _ = m.handle(.woke, now: 2)
        _ = m.handle(.claimedNothing, now: 2)
        XCTAssertEqual(m.handle(.pending(queued: 0, running: 0, secondsUntilNextRunnable: nil), now: 2), .wait(seconds: 5),
                       "without --until-empty an empty queue is waited on")
    }

    /// One retry rule for every step: 0.2 s doubling to 5 s, reset by any success; a lost
    /// connection is re-established before the step is retried.
    func testOutagesBackOffExponentiallyAndReconnect() {
        var m = machine()
        XCTAssertEqual(m.handle(.failed(.connection), now: 0), .backoff(seconds: 0.2, then: .connect))
        var delays: [Double] = []
        for _ in 0..<7 {
            guard case .connect = m.handle(.backedOff(.connect), now: 0) else { return XCTFail() }
            guard case .backoff(let s, .connect) = m.handle(.failed(.connection), now: 0) else { return XCTFail() }
            delays.append(s)
        }
        XCTAssertEqual(delays, [0.4, 0.8, 1.6, 3.2, 5, 5, 5])
        XCTAssertEqual(m.handle(.backedOff(.connect), now: 0), .connect)
        XCTAssertEqual(m.handle(.connected, now: 0), .claim)
        XCTAssertEqual(m.handle(.failed(.transient), now: 0), .backoff(seconds: 0.2, then: .claim),
                       "a transient error retries the same step on the same connection, from the first delay")
        XCTAssertEqual(m.handle(.backedOff(.claim), now: 0), .claim)
    }

    func testAWriteIsRetriedThroughAnOutageThenGivenUp() {
        var m = machine(giveUp: 60)
        _ = m.handle(.connected, now: 0)
        _ = m.handle(.claimed(jobs: 2, bytes: 10), now: 0)
        XCTAssertEqual(m.handle(.processed, now: 10), .write)
        XCTAssertEqual(m.handle(.failed(.transient), now: 11), .backoff(seconds: 0.2, then: .write))
        XCTAssertEqual(m.handle(.backedOff(.write), now: 11), .write)
        XCTAssertEqual(m.handle(.failed(.connection), now: 12), .backoff(seconds: 0.4, then: .connect))
        XCTAssertEqual(m.handle(.backedOff(.connect), now: 12), .connect)
        XCTAssertEqual(m.handle(.connected, now: 13), .write, "after a reconnect the batch is still written")
        assertBackoff(m.handle(.failed(.connection), now: 69.9), 0.1, "a backoff never runs past the give-up time")
        _ = m.handle(.backedOff(.connect), now: 70)
        XCTAssertEqual(m.handle(.failed(.connection), now: 70), .giveUpBatch)
        XCTAssertEqual(m.handle(.gaveUp, now: 70), .claim)
        XCTAssertFalse(m.holdsBatch)
    }

    func testAStopDrainsTheBatchInFlightAndEndsAnIdleLoopAtOnce() {
        var idle = machine()
        _ = idle.handle(.connected, now: 0)
        _ = idle.handle(.claimedNothing, now: 0)
        _ = idle.handle(.pending(queued: 0, running: 0, secondsUntilNextRunnable: nil), now: 0)
        XCTAssertEqual(idle.handle(.stopRequested, now: 1), .exit(.stopped))

        var busy = machine()
        _ = busy.handle(.connected, now: 0)
        XCTAssertEqual(busy.handle(.claimed(jobs: 1, bytes: 1), now: 0), .process)
        XCTAssertEqual(busy.handle(.stopRequested, now: 0.5), .process, "the batch in flight is finished")
        XCTAssertEqual(busy.handle(.processed, now: 1), .write)
        XCTAssertEqual(busy.handle(.written, now: 1), .exit(.stopped), "and then nothing more is claimed")

        var backingOff = machine()
        _ = backingOff.handle(.failed(.connection), now: 0)
        XCTAssertEqual(backingOff.handle(.stopRequested, now: 0.1), .exit(.stopped), "no batch: an outage is not waited out")
    }

    /// SIGTERM while the database is down: the write is retried only within the shutdown grace.
    func testAStopDuringAnOutageGivesTheBatchUpAfterTheGrace() {
        var m = machine(giveUp: 60, grace: 3)
        _ = m.handle(.connected, now: 0)
        _ = m.handle(.claimed(jobs: 4, bytes: 4), now: 0)
        _ = m.handle(.processed, now: 1)
        XCTAssertEqual(m.handle(.failed(.connection), now: 1), .backoff(seconds: 0.2, then: .connect))
        XCTAssertEqual(m.handle(.stopRequested, now: 1.1), .backoff(seconds: 0.2, then: .connect), "the batch is still written")
        XCTAssertEqual(m.handle(.backedOff(.connect), now: 1.1), .connect)
        assertBackoff(m.handle(.failed(.connection), now: 3.95), 0.15, "nor past the grace")
        _ = m.handle(.backedOff(.connect), now: 4.1)
        XCTAssertEqual(m.handle(.failed(.connection), now: 4.1), .giveUpBatch)
        XCTAssertEqual(m.handle(.gaveUp, now: 4.1), .exit(.stopped))
    }

    func testAFatalErrorEndsTheLoopFromAnyPhase() {
        var connecting = machine()
        XCTAssertEqual(connecting.handle(.failed(.fatal), now: 0), .exit(.fatal))
        var writing = machine()
        _ = writing.handle(.connected, now: 0)
        _ = writing.handle(.claimed(jobs: 1, bytes: 1), now: 0)
        _ = writing.handle(.processed, now: 0)
        XCTAssertEqual(writing.handle(.failed(.fatal), now: 0), .exit(.fatal))
        XCTAssertEqual(writing.phase, .stopped(.fatal))
    }
}
