/// One claim loop's lifecycle as a value: connecting → claiming → processing → writing → (backing
/// off) → … → stopped. It performs no I/O: the loop shell (`ClaimLoop`) performs each
/// `LoopAction` it returns and reports the result as a `LoopEvent`, with the time, and gets the next
/// action. Every retry rule (connect, reconnect, a failed step, writing through an outage) is this
/// one rule set: back off 0.2 s doubling to 5 s, reconnect first when the connection is the problem,
/// stop at once on a fatal error, and give a batch up after `writeGiveUpSeconds` (or the shutdown
/// grace) — its leases then run out and peers retry it.
public struct LoopStateMachine: Sendable {
    public struct Rules: Sendable, Equatable {
        public var untilEmpty: Bool
        public var pollInterval: Double
        /// How long a processed batch's write is retried before the batch is given up.
        public var writeGiveUpSeconds: Double
        /// After a stop request, how long a batch in flight may still take to be written.
        public var shutdownGrace: Double
        public var firstBackoff = 0.2
        public var maxBackoff = 5.0

        public init(untilEmpty: Bool, pollInterval: Double, writeGiveUpSeconds: Double, shutdownGrace: Double) {
            self.untilEmpty = untilEmpty
            self.pollInterval = pollInterval
            self.writeGiveUpSeconds = writeGiveUpSeconds
            self.shutdownGrace = shutdownGrace
        }
    }

    public enum Phase: Equatable, Sendable {
        case connecting, claiming, checkingPending, idle, processing, writing
        case backingOff(then: Step)
        case stopped(LoopExit)
    }

    /// A step that can fail and be retried after a backoff.
    public enum Step: Equatable, Sendable {
        case connect, claim, checkPending, write
    }

    public let rules: Rules
    public private(set) var phase: Phase = .connecting
    /// True from a successful claim until the batch is written or given up.
    public private(set) var holdsBatch = false
    public private(set) var isStopping = false
    private var backoff: Double
    /// The action last returned (what the shell is about to do).
    private var pending = LoopAction.connect
    private var writeDeadline = Double.infinity
    private var graceDeadline = Double.infinity

    public init(rules: Rules) {
        self.rules = rules
        self.backoff = rules.firstBackoff
    }

    /// The first action: connect.
    public mutating func start() -> LoopAction { .connect }

    /// The next action after `event`, which happened at `now` (monotonic seconds).
    public mutating func handle(_ event: LoopEvent, now: Double) -> LoopAction {
        switch event {
        case .connected: return succeeded(next: holdsBatch ? .write : claimOrStop())
        case .claimed: holdsBatch = true; return succeeded(next: .process)
        case .claimedNothing: return succeeded(next: .checkPending)
        case .pending(let queued, let running, let wait): return succeeded(next: idle(queued, running, wait))
        case .woke: return succeeded(next: claimOrStop())
        case .processed:
            writeDeadline = now + rules.writeGiveUpSeconds
            return succeeded(next: .write)
        case .written, .gaveUp:
            holdsBatch = false
            writeDeadline = .infinity
            return succeeded(next: claimOrStop())
        case .backedOff(let step): return resume(step)
        case .failed(let fault): return failed(fault, now: now)
        case .stopRequested: return stopRequested(now: now)
        }
    }

    // MARK: Transitions

    private mutating func succeeded(next: LoopAction) -> LoopAction {
        backoff = rules.firstBackoff
        return enter(next)
    }

    private func claimOrStop() -> LoopAction { isStopping ? .exit(.stopped) : .claim }

    private func idle(_ queued: Int, _ running: Int, _ secondsUntilNextRunnable: Double?) -> LoopAction {
        if isStopping { return .exit(.stopped) }
        if rules.untilEmpty, queued == 0, running == 0 { return .exit(.drained) }
        // Wait for a NOTIFY, the next deferred retry, or the poll interval — whichever first.
        var timeout = rules.pollInterval
        if let wait = secondsUntilNextRunnable, queued > 0 { timeout = min(timeout, max(0.05, wait)) }
        // Draining while other loops finish their batches: no NOTIFY marks a job's end.
        if rules.untilEmpty, running > 0 { timeout = min(timeout, 0.5) }
        return .wait(seconds: timeout)
    }

    private mutating func failed(_ fault: DatabaseFault, now: Double) -> LoopAction {
        if fault == .fatal { return enter(.exit(.fatal)) }
        if holdsBatch, phase == .writing || phase == .connecting,
           now >= min(writeDeadline, graceDeadline) {
            return enter(.giveUpBatch)
        }
        if !holdsBatch, isStopping { return enter(.exit(.stopped)) }
        let step = retryStep(after: fault)
        var delay = backoff
        if holdsBatch { delay = min(delay, max(0, min(writeDeadline, graceDeadline) - now)) }
        backoff = min(backoff * 2, rules.maxBackoff)
        return enter(.backoff(seconds: delay, then: step))
    }

    /// Which step to retry: a lost connection is re-established first; otherwise the step that failed.
    private func retryStep(after fault: DatabaseFault) -> Step {
        if fault == .connection { return .connect }
        switch phase {
        case .connecting: return .connect
        case .checkingPending, .idle: return .checkPending
        case .writing, .processing: return .write
        default: return .claim
        }
    }

    private mutating func resume(_ step: Step) -> LoopAction {
        switch step {
        case .connect: return enter(.connect)
        case .claim: return enter(claimOrStop())
        case .checkPending: return enter(isStopping ? .exit(.stopped) : .checkPending)
        case .write: return enter(.write)
        }
    }

    /// A stop ends the loop at once unless it holds a batch: then the pending action goes ahead
    /// (the batch is processed and written, within the grace).
    private mutating func stopRequested(now: Double) -> LoopAction {
        isStopping = true
        graceDeadline = now + rules.shutdownGrace
        if case .stopped(let exit) = phase { return .exit(exit) }
        return holdsBatch ? pending : enter(.exit(.stopped))
    }

    /// Records the phase an action puts the loop in.
    private mutating func enter(_ action: LoopAction) -> LoopAction {
        pending = action
        switch action {
        case .connect: phase = .connecting
        case .claim: phase = .claiming
        case .checkPending: phase = .checkingPending
        case .wait: phase = .idle
        case .process: phase = .processing
        case .write: phase = .writing
        case .giveUpBatch: phase = .writing
        case .backoff(_, let step): phase = .backingOff(then: step)
        case .exit(let reason): phase = .stopped(reason)
        }
        return action
    }
}

/// What a claim loop does next (`LoopStateMachine`).
public enum LoopAction: Equatable, Sendable {
    /// (Re)connect and LISTEN.
    case connect
    case claim
    /// After an empty claim: count queued and running jobs.
    case checkPending
    /// Idle until a NOTIFY, a stop request, or `seconds`.
    case wait(seconds: Double)
    case process
    /// Write the processed batch's results.
    case write
    /// Give the batch up without writing it: its leases run out and peers retry its jobs.
    case giveUpBatch
    /// Sleep (woken early by a stop request), then retry `then`.
    case backoff(seconds: Double, then: LoopStateMachine.Step)
    case exit(LoopExit)
}

/// Why a claim loop ended.
public enum LoopExit: Equatable, Sendable {
    /// `--until-empty` and nothing is queued or running.
    case drained
    /// A stop was requested (SIGTERM, a stuck peer loop, a fatal error elsewhere).
    case stopped
    /// A database error no retry cures (missing schema, refused login).
    case fatal
}

/// What happened when the loop shell performed an action.
public enum LoopEvent: Equatable, Sendable {
    case connected
    case claimed(jobs: Int, bytes: Int)
    case claimedNothing
    case pending(queued: Int, running: Int, secondsUntilNextRunnable: Double?)
    case woke
    case processed
    case written
    case gaveUp
    case backedOff(LoopStateMachine.Step)
    case failed(DatabaseFault)
    case stopRequested
}

/// How a database step failed, as far as the loop cares.
public enum DatabaseFault: Equatable, Sendable {
    /// The connection is gone: reconnect, then retry.
    case connection
    /// Worth retrying on the same connection (serialization failure, statement timeout, …).
    case transient
    /// No retry cures it.
    case fatal
}
