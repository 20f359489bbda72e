/// What a claim loop does next (`LoopStateMachine`).
public enum LoopAction: Equatable, Sendable {
    /// (Re)connect and LISTEN.
    case connect
    case claim
    /// After an empty claim: count queued and running jobs.
    case checkPending
    /// Idle until a NOTIFY, a stop request, or `seconds`.
    case wait(seconds: Double)
    /// Process the batch — started in the background, to run while the next batch is claimed
    /// (`prefetch`) or written; then wait for it.
    case process
    /// Start processing the batch in the background and meanwhile claim the next batch.
    case prefetch
    /// Write the processed batch's results.
    case write
    /// Give the batch up without writing it: its leases run out and peers retry its jobs.
    case giveUpBatch
    /// Sleep (woken early by a stop request), then retry `then`.
    case backoff(seconds: Double, then: LoopStateMachine.Step)
    case exit(LoopExit)
    /// The machine was told of an event its state cannot take — a bug in the shell, not in the
    /// database. The loop ends as on a fatal error (`LoopExit.fatal`) and the worker stops, naming it.
    case abort(LoopStateMachine.InvalidTransition)
}

/// Why a claim loop ended.
public enum LoopExit: Equatable, Sendable {
    /// `--until-empty` and nothing is queued or running.
    case drained
    /// A stop was requested (SIGTERM, a stuck peer loop, a fatal error elsewhere).
    case stopped
    /// A database error no retry cures (missing schema, refused login), or an invalid transition.
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

extension LoopStateMachine {
    /// An event the loop's state cannot take (`.claimed` while writing): which, and in which phase.
    public struct InvalidTransition: Error, Equatable, Sendable, CustomStringConvertible {
        public let phase: Phase
        public let event: LoopEvent

        public var description: String { "claim loop got \(event) while \(phase)" }
    }
}
