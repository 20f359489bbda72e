/// One claim loop's lifecycle as a value: connecting → claiming → processing → writing → (backing
/// off) → … → stopped. It performs no I/O: the loop shell (`ClaimLoop`) performs each
/// `LoopAction` it returns and reports the result as a `LoopEvent`, with the time, and gets the next
/// action. Every retry rule (connect, reconnect, a failed step, writing through an outage) is this
/// one rule set: back off 0.2 s doubling to 5 s, reconnect first when the connection is the problem,
/// stop at once on a fatal error, and give a batch up after `writeGiveUpSeconds` (or the shutdown
/// grace) — its leases then run out and peers retry it.
///
/// Each state carries its own data (`State`); each event method switches on the state and names
/// every state, so an event a state cannot take (`.claimed` while writing) is an explicit invalid
/// transition: the loop ends with `LoopAction.abort`, which the shell turns into a fatal stop.
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
        /// Overlap (issue 24): while a batch is processed, claim the next one; process it while the
        /// first is written. Off, a loop claims, processes and writes one batch after the other.
        public var prefetch = false

        public init(untilEmpty: Bool, pollInterval: Double, writeGiveUpSeconds: Double, shutdownGrace: Double) {
            self.untilEmpty = untilEmpty
            self.pollInterval = pollInterval
            self.writeGiveUpSeconds = writeGiveUpSeconds
            self.shutdownGrace = shutdownGrace
        }
    }

    /// Where the loop is, without the state's data (giving a batch up counts as writing).
    public enum Phase: Equatable, Sendable {
        /// `prefetching`: a batch is processed (in the background) while the next is claimed.
        case connecting, claiming, checkingPending, idle, prefetching, processing, writing
        case backingOff(then: Step)
        case stopped(LoopExit)
    }

    /// A step that can fail and be retried after a backoff.
    public enum Step: Equatable, Sendable {
        case connect, claim, checkPending, write
    }

    public let rules: Rules
    var state: State = .connecting(nil)
    /// The next backoff's delay: `firstBackoff` after any success, doubling to `maxBackoff`. Not
    /// state data: it counts failures in a row across states (connect, then claim, then connect…).
    private var backoff: Double

    public init(rules: Rules) {
        self.rules = rules
        self.backoff = rules.firstBackoff
    }

    /// The first action: connect.
    public mutating func start() -> LoopAction { state.action }

    public var phase: Phase { state.phase }

    /// True from a successful claim until the batch is written or given up.
    public var holdsBatch: Bool { state.batch != nil }

    /// A stop was requested (the batch in flight is being finished), or the loop has ended.
    public var isStopping: Bool {
        if case .stopped = state { return true }
        return state.batch?.graceDeadline != nil
    }

    /// The next action after `event`, which happened at `now` (monotonic seconds).
    public mutating func handle(_ event: LoopEvent, now: Double) -> LoopAction {
        switch event {
        case .connected: return connected()
        case .claimed: return claimReturned(event, batch: true)
        case .claimedNothing: return claimReturned(event, batch: false)
        case .pending(let queued, let running, let wait): return pending(event, queued, running, wait)
        case .woke: return woke()
        case .processed: return processed(now: now)
        case .written, .gaveUp: return released(event)
        case .backedOff(let step): return backedOff(step)
        case .failed(let fault): return failed(fault, now: now)
        case .stopRequested: return stopRequested(now: now)
        }
    }

    // MARK: Entering states

    /// A step succeeded: the next failure backs off from the first delay again.
    mutating func succeeded(_ next: State) -> LoopAction {
        backoff = rules.firstBackoff
        return enter(next)
    }

    mutating func enter(_ next: State) -> LoopAction {
        state = next
        return next.action
    }

    /// `event` cannot happen in the current state (the shell broke its contract): the loop ends,
    /// and the action says which state and event, for the shell to report as a fatal error.
    mutating func invalid(_ event: LoopEvent) -> LoopAction {
        let transition = InvalidTransition(phase: phase, event: event)
        state = .stopped(.fatal)
        return .abort(transition)
    }

    /// The backoff before retrying `retry`, clipped to the batch's deadline, and the delay doubled
    /// for the next failure.
    mutating func backOff(then retry: Retry, now: Double) -> LoopAction {
        var delay = backoff
        if let batch = retry.batch { delay = min(delay, max(0, batch.deadline - now)) }
        backoff = min(backoff * 2, rules.maxBackoff)
        return enter(.backingOff(seconds: delay, then: retry))
    }

    /// A claimed batch, which claims the next one ahead of it when the rules say so.
    func claimedBatch() -> Batch {
        Batch(next: rules.prefetch ? .toClaim : .absent)
    }

    /// After an empty claim: drain, or wait for a NOTIFY, the next deferred retry, or the poll
    /// interval — whichever comes first.
    func afterPending(queued: Int, running: Int, secondsUntilNextRunnable: Double?) -> State {
        if rules.untilEmpty, queued == 0, running == 0 { return .stopped(.drained) }
        var timeout = rules.pollInterval
        if let wait = secondsUntilNextRunnable, queued > 0 { timeout = min(timeout, max(0.05, wait)) }
        // Draining while other loops finish their batches: no NOTIFY marks a job's end.
        if rules.untilEmpty, running > 0 { timeout = min(timeout, 0.5) }
        return .idle(seconds: timeout)
    }
}
