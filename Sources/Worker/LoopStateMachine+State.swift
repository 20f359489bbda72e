extension LoopStateMachine {
    /// The batch claimed ahead (`Rules.prefetch`) while a batch is processed: to be claimed, not
    /// there (nothing was queued, the claim failed, or prefetching is off or stopping), or held —
    /// it is processed while this batch is written, and then becomes the batch.
    enum NextBatch: Equatable, Sendable {
        case toClaim, absent, claimed
    }

    /// A claimed batch, from its claim until it is written or given up.
    struct Batch: Equatable, Sendable {
        /// When its write is given up (processed + `writeGiveUpSeconds`); infinite while processing.
        var writeDeadline = Double.infinity
        /// When the shutdown grace runs out; nil until a stop is requested.
        var graceDeadline: Double?
        /// The batch claimed ahead of this one, if any (at most one: two batches of scans in memory).
        var next = NextBatch.absent

        /// When the batch is given up: whichever deadline comes first.
        var deadline: Double { min(writeDeadline, graceDeadline ?? .infinity) }

        /// The batch once a stop was requested at `now`: the first request's grace counts.
        func stopping(now: Double, grace: Double) -> Batch {
            var batch = self
            if batch.graceDeadline == nil { batch.graceDeadline = now + grace }
            if batch.next == .toClaim { batch.next = .absent }  // nothing more is claimed once stopping
            return batch
        }
    }

    /// What a backoff resumes, with the batch a reconnect or a write carries.
    enum Retry: Equatable, Sendable {
        case connect(Batch?)
        case claim
        case checkPending
        case write(Batch)

        var step: Step {
            switch self {
            case .connect: return .connect
            case .claim: return .claim
            case .checkPending: return .checkPending
            case .write: return .write
            }
        }

        var batch: Batch? {
            switch self {
            case .connect(let batch): return batch
            case .claim, .checkPending: return nil
            case .write(let batch): return batch
            }
        }

        /// The same retry carrying `batch` instead (a stop request's grace).
        func carrying(_ batch: Batch) -> Retry {
            switch self {
            case .connect: return .connect(batch)
            case .claim, .checkPending: return self
            case .write: return .write(batch)
            }
        }
    }

    /// The loop's state, each case with the data it needs and nothing more.
    enum State: Equatable, Sendable {
        /// (Re)connecting; a reconnect in the middle of writing a batch carries the batch.
        case connecting(Batch?)
        case claiming
        case checkingPending
        case idle(seconds: Double)
        case processing(Batch)
        case writing(Batch)
        case givingUp(Batch)
        case backingOff(seconds: Double, then: Retry)
        case stopped(LoopExit)

        /// What the shell is to do in this state: a function of the state alone.
        var action: LoopAction {
            switch self {
            case .connecting: return .connect
            case .claiming: return .claim
            case .checkingPending: return .checkPending
            case .idle(let seconds): return .wait(seconds: seconds)
            case .processing(let batch): return batch.next == .toClaim ? .prefetch : .process
            case .writing: return .write
            case .givingUp: return .giveUpBatch
            case .backingOff(let seconds, let retry): return .backoff(seconds: seconds, then: retry.step)
            case .stopped(let exit): return .exit(exit)
            }
        }

        var phase: Phase {
            switch self {
            case .connecting: return .connecting
            case .claiming: return .claiming
            case .checkingPending: return .checkingPending
            case .idle: return .idle
            case .processing(let batch): return batch.next == .toClaim ? .prefetching : .processing
            case .writing, .givingUp: return .writing
            case .backingOff(_, let retry): return .backingOff(then: retry.step)
            case .stopped(let exit): return .stopped(exit)
            }
        }

        var batch: Batch? {
            switch self {
            case .connecting(let batch): return batch
            case .claiming, .checkingPending, .idle, .stopped: return nil
            case .processing(let batch), .writing(let batch), .givingUp(let batch): return batch
            case .backingOff(_, let retry): return retry.batch
            }
        }
    }
}
