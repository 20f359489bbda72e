import Worker
import XCTest

/// Every state against every event: the events a state cannot take end the loop with
/// `LoopAction.abort` naming the phase and the event, and leave the machine stopped (fatal).
final class LoopStateMachineTransitionTests: XCTestCase {
    private typealias Phase = LoopStateMachine.Phase

    /// A state reached by valid events (with their times), its phase, and the events it takes.
    private struct Reached {
        var name: String
        var untilEmpty = false
        var prefetch = false
        var path: [(LoopEvent, Double)]
        var phase: Phase
        var takes: Set<String>
    }

    private static let databaseEvents: Set<String> = ["failed(connection)", "failed(transient)", "failed(fatal)"]

    private static let allEvents: [LoopEvent] = [
        .connected, .claimed(jobs: 1, bytes: 1), .claimedNothing,
        .pending(queued: 1, running: 0, secondsUntilNextRunnable: nil), .woke, .processed, .written, .gaveUp,
        .backedOff(.connect), .backedOff(.claim), .backedOff(.checkPending), .backedOff(.write),
        .failed(.connection), .failed(.transient), .failed(.fatal), .stopRequested,
    ]

    private static let writing: [(LoopEvent, Double)] = [(.connected, 0), (.claimed(jobs: 2, bytes: 2), 0), (.processed, 0)]

    private static let prefetched: [(LoopEvent, Double)] = [
        (.connected, 0), (.claimed(jobs: 2, bytes: 2), 0), (.claimed(jobs: 3, bytes: 3), 0),
    ]

    private static let reachable: [Reached] = [
        Reached(name: "connecting", path: [], phase: .connecting, takes: databaseEvents.union(["connected"])),
        Reached(name: "claiming", path: [(.connected, 0)], phase: .claiming,
                takes: databaseEvents.union(["claimed", "claimedNothing"])),
        Reached(name: "checking pending", path: [(.connected, 0), (.claimedNothing, 0)], phase: .checkingPending,
                takes: databaseEvents.union(["pending"])),
        Reached(name: "idle", path: [(.connected, 0), (.claimedNothing, 0), (.pending(queued: 1, running: 0, secondsUntilNextRunnable: nil), 0)],
                phase: .idle, takes: databaseEvents.union(["woke"])),
        Reached(name: "processing", path: [(.connected, 0), (.claimed(jobs: 2, bytes: 2), 0)], phase: .processing,
                takes: ["processed"]),
        Reached(name: "writing", path: writing, phase: .writing, takes: databaseEvents.union(["written"])),
        Reached(name: "giving up", path: writing + [(.failed(.transient), 1000)], phase: .writing, takes: ["gaveUp"]),
        Reached(name: "reconnecting with a batch", path: writing + [(.failed(.connection), 1), (.backedOff(.connect), 1)],
                phase: .connecting, takes: databaseEvents.union(["connected"])),
        Reached(name: "backing off to connect", path: [(.failed(.connection), 0)], phase: .backingOff(then: .connect),
                takes: ["backedOff(connect)"]),
        Reached(name: "backing off to claim", path: [(.connected, 0), (.failed(.transient), 0)], phase: .backingOff(then: .claim),
                takes: ["backedOff(claim)"]),
        Reached(name: "backing off to check pending", path: [(.connected, 0), (.claimedNothing, 0), (.failed(.transient), 0)],
                phase: .backingOff(then: .checkPending), takes: ["backedOff(checkPending)"]),
        Reached(name: "backing off to write", path: writing + [(.failed(.transient), 1)], phase: .backingOff(then: .write),
                takes: ["backedOff(write)"]),
        Reached(name: "prefetching", prefetch: true, path: [(.connected, 0), (.claimed(jobs: 2, bytes: 2), 0)],
                phase: .prefetching, takes: databaseEvents.union(["claimed", "claimedNothing"])),
        Reached(name: "processing with a batch ahead", prefetch: true, path: prefetched, phase: .processing, takes: ["processed"]),
        Reached(name: "writing with a batch ahead", prefetch: true, path: prefetched + [(.processed, 0)], phase: .writing,
                takes: databaseEvents.union(["written"])),
        Reached(name: "drained", untilEmpty: true,
                path: [(.connected, 0), (.claimedNothing, 0), (.pending(queued: 0, running: 0, secondsUntilNextRunnable: nil), 0)],
                phase: .stopped(.drained), takes: []),
    ]

    /// The event's name as `takes` lists it: the case, and for `failed`/`backedOff` its argument.
    private static func name(_ event: LoopEvent) -> String {
        switch event {
        case .failed(let fault): return "failed(\(fault))"
        case .backedOff(let step): return "backedOff(\(step))"
        case .claimed: return "claimed"
        case .pending: return "pending"
        default: return "\(event)"
        }
    }

    private func reach(_ reached: Reached) -> LoopStateMachine {
        var rules = LoopStateMachine.Rules(untilEmpty: reached.untilEmpty, pollInterval: 5, writeGiveUpSeconds: 60, shutdownGrace: 25)
        rules.prefetch = reached.prefetch
        var m = LoopStateMachine(rules: rules)
        _ = m.start()
        for (event, now) in reached.path {
            if case .abort(let t) = m.handle(event, now: now) { XCTFail("\(reached.name): the path itself is invalid: \(t)") }
        }
        XCTAssertEqual(m.phase, reached.phase, reached.name)
        return m
    }

    func testEveryStateRejectsEveryEventItCannotTake() {
        var rejected = 0
        for reached in Self.reachable {
            for event in Self.allEvents {
                var m = reach(reached)
                let action = m.handle(event, now: 2)
                let context = "\(reached.name) + \(event)"
                if reached.takes.contains(Self.name(event)) || event == .stopRequested {
                    if case .abort = action { XCTFail("\(context): a valid event was rejected") }
                    continue
                }
                rejected += 1
                guard case .abort(let transition) = action else {
                    XCTFail("\(context): \(action) instead of an invalid transition")
                    continue
                }
                XCTAssertEqual(transition.phase, reached.phase, context)
                XCTAssertEqual(transition.event, event, context)
                XCTAssertEqual(m.phase, .stopped(.fatal), context)
                XCTAssertFalse(m.holdsBatch, context)
                XCTAssertEqual(m.handle(.stopRequested, now: 3), .exit(.fatal), "\(context): and it stays stopped")
            }
        }
        // 16 states × 15 events (a stop is always taken) − the 41 pairs listed in `takes`.
        XCTAssertEqual(rejected, 199, "each state takes only its own events")
    }

    /// The example: a claim result while the batch is being written.
    func testAClaimWhileWritingIsAnInvalidTransition() {
        var m = LoopStateMachine(rules: .init(untilEmpty: false, pollInterval: 5, writeGiveUpSeconds: 60, shutdownGrace: 25))
        _ = m.handle(.connected, now: 0)
        _ = m.handle(.claimed(jobs: 1, bytes: 1), now: 0)
        XCTAssertEqual(m.handle(.processed, now: 0), .write)
        let action = m.handle(.claimed(jobs: 3, bytes: 9), now: 1)
        guard case .abort(let transition) = action else { return XCTFail("\(action)") }
        XCTAssertEqual(transition.phase, .writing)
        XCTAssertEqual(transition.event, .claimed(jobs: 3, bytes: 9))
        XCTAssertEqual(m.phase, .stopped(.fatal))
        XCTAssertEqual(transition.description, "claim loop got claimed(jobs: 3, bytes: 9) while writing")
        XCTAssertEqual(WorkerError.invalidLoopTransition(loop: 2, transition).description,
                       "loop 2 stopped on an invalid state transition (claim loop got claimed(jobs: 3, bytes: 9) while writing); "
                           + "the batch it held, if any, is left to its leases")
    }

    /// A second stop request changes nothing: the first one's grace still bounds the write.
    func testARepeatedStopKeepsTheFirstGrace() {
        var m = LoopStateMachine(rules: .init(untilEmpty: false, pollInterval: 5, writeGiveUpSeconds: 60, shutdownGrace: 3))
        _ = m.handle(.connected, now: 0)
        _ = m.handle(.claimed(jobs: 1, bytes: 1), now: 0)
        XCTAssertEqual(m.handle(.stopRequested, now: 1), .process)
        XCTAssertTrue(m.isStopping)
        XCTAssertEqual(m.handle(.stopRequested, now: 2), .process)
        XCTAssertEqual(m.handle(.processed, now: 2), .write)
        XCTAssertEqual(m.handle(.failed(.transient), now: 3.875), .backoff(seconds: 0.125, then: .write))
        XCTAssertEqual(m.handle(.backedOff(.write), now: 4), .write)
        XCTAssertEqual(m.handle(.failed(.transient), now: 4), .giveUpBatch, "the grace ran out at 1 + 3 s")
    }
}
