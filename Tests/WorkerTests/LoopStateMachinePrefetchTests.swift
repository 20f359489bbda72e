import Worker
import XCTest

/// The overlapped loop (`Rules.prefetch`, issue 24): the next batch is claimed while one is
/// processed and processed while that one is written; never more than one batch ahead.
final class LoopStateMachinePrefetchTests: XCTestCase {
    private func machine(giveUp: Double = 60, grace: Double = 25, untilEmpty: Bool = false) -> LoopStateMachine {
        var rules = LoopStateMachine.Rules(untilEmpty: untilEmpty, pollInterval: 5, writeGiveUpSeconds: giveUp, shutdownGrace: grace)
        rules.prefetch = true
        var m = LoopStateMachine(rules: rules)
        XCTAssertEqual(m.start(), .connect)
        XCTAssertEqual(m.handle(.connected, now: 0), .claim)
        return m
    }

    func testTheNextBatchIsClaimedWhileOneIsProcessedAndProcessedWhileItIsWritten() {
        var m = machine(untilEmpty: true)
        XCTAssertEqual(m.handle(.claimed(jobs: 32, bytes: 900), now: 0), .prefetch)
        XCTAssertEqual(m.phase, .prefetching)
        XCTAssertEqual(m.handle(.claimed(jobs: 32, bytes: 800), now: 0), .process, "one batch ahead at most: no third claim")
        XCTAssertEqual(m.handle(.processed, now: 1), .write)
        XCTAssertEqual(m.handle(.written, now: 1), .prefetch, "the batch ahead (processing since the write began) is the batch now")
        XCTAssertTrue(m.holdsBatch)
        XCTAssertEqual(m.handle(.claimedNothing, now: 1), .process)
        XCTAssertEqual(m.handle(.processed, now: 2), .write)
        XCTAssertEqual(m.handle(.written, now: 2), .claim, "nothing was ahead: claim as usual")
        XCTAssertFalse(m.holdsBatch)
        XCTAssertEqual(m.handle(.claimedNothing, now: 2), .checkPending)
        XCTAssertEqual(m.handle(.pending(queued: 0, running: 0, secondsUntilNextRunnable: nil), now: 2), .exit(.drained))
    }

    func testAFailedClaimAheadOnlySkipsTheClaimAheadButAFatalOneStops() {
        var m = machine()
        _ = m.handle(.claimed(jobs: 1, bytes: 1), now: 0)
        XCTAssertEqual(m.handle(.failed(.connection), now: 0), .process, "the write's own rule reconnects later")
        XCTAssertEqual(m.handle(.processed, now: 1), .write)
        XCTAssertEqual(m.handle(.failed(.connection), now: 1), .backoff(seconds: 0.2, then: .connect))

        var fatal = machine()
        _ = fatal.handle(.claimed(jobs: 1, bytes: 1), now: 0)
        XCTAssertEqual(fatal.handle(.failed(.fatal), now: 0), .exit(.fatal))
    }

    func testAStopWhilePrefetchingClaimsNothingMoreAndEndsAfterTheWrite() {
        var m = machine()
        _ = m.handle(.claimed(jobs: 1, bytes: 1), now: 0)
        XCTAssertEqual(m.handle(.stopRequested, now: 1), .process, "no claim ahead once stopping")
        XCTAssertEqual(m.handle(.processed, now: 2), .write)
        XCTAssertEqual(m.handle(.written, now: 2), .exit(.stopped))
    }

    /// A batch already claimed ahead is ours: it is processed and written within the first
    /// batch's grace, then the loop stops.
    func testABatchAheadWhenAStopComesIsFinishedWithinTheSameGrace() {
        var m = machine(grace: 3)
        _ = m.handle(.claimed(jobs: 1, bytes: 1), now: 0)
        XCTAssertEqual(m.handle(.claimed(jobs: 2, bytes: 2), now: 0), .process)
        XCTAssertEqual(m.handle(.stopRequested, now: 1), .process)
        XCTAssertEqual(m.handle(.processed, now: 1), .write)
        XCTAssertEqual(m.handle(.written, now: 1), .process, "the batch ahead is processed, not claimed ahead of")
        XCTAssertTrue(m.isStopping)
        XCTAssertEqual(m.handle(.processed, now: 2), .write)
        XCTAssertEqual(m.handle(.failed(.transient), now: 3.875), .backoff(seconds: 0.125, then: .write))
        XCTAssertEqual(m.handle(.backedOff(.write), now: 4), .write)
        XCTAssertEqual(m.handle(.failed(.transient), now: 4), .giveUpBatch, "the first grace ran out at 1 + 3 s")
        XCTAssertEqual(m.handle(.gaveUp, now: 4), .exit(.stopped))
    }

    /// A write retried through an outage keeps the batch ahead; giving the batch up moves on to it.
    func testAWriteGivenUpMovesOnToTheBatchAhead() {
        var m = machine(giveUp: 10)
        _ = m.handle(.claimed(jobs: 1, bytes: 1), now: 0)
        _ = m.handle(.claimed(jobs: 1, bytes: 1), now: 0)
        XCTAssertEqual(m.handle(.processed, now: 0), .write)
        XCTAssertEqual(m.handle(.failed(.connection), now: 1), .backoff(seconds: 0.2, then: .connect))
        XCTAssertEqual(m.handle(.backedOff(.connect), now: 1), .connect)
        XCTAssertEqual(m.handle(.connected, now: 1), .write, "the reconnect carries the batch and the one ahead")
        XCTAssertEqual(m.handle(.failed(.transient), now: 11), .giveUpBatch)
        XCTAssertEqual(m.handle(.gaveUp, now: 11), .prefetch)
        XCTAssertTrue(m.holdsBatch)
    }
}
