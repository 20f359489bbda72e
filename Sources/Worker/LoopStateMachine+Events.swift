/// One method per event; each names every state, the ones that cannot take the event included.
extension LoopStateMachine {
    mutating func connected() -> LoopAction {
        switch state {
        case .connecting(let batch?): return succeeded(.writing(batch))
        case .connecting(nil): return succeeded(.claiming)
        case .claiming, .checkingPending, .idle, .processing, .writing, .givingUp, .backingOff, .stopped:
            return invalid(.connected)
        }
    }

    /// The claim returned a batch or nothing — the loop's claim, or the one ahead while prefetching.
    mutating func claimReturned(_ event: LoopEvent, batch: Bool) -> LoopAction {
        switch state {
        case .claiming: return succeeded(batch ? .processing(claimedBatch()) : .checkingPending)
        case .processing(var current) where current.next == .toClaim:
            current.next = batch ? .claimed : .absent
            return succeeded(.processing(current))
        case .connecting, .checkingPending, .idle, .processing, .writing, .givingUp, .backingOff, .stopped:
            return invalid(event)
        }
    }

    mutating func pending(_ event: LoopEvent, _ queued: Int, _ running: Int, _ wait: Double?) -> LoopAction {
        switch state {
        case .checkingPending:
            return succeeded(afterPending(queued: queued, running: running, secondsUntilNextRunnable: wait))
        case .connecting, .claiming, .idle, .processing, .writing, .givingUp, .backingOff, .stopped:
            return invalid(event)
        }
    }

    mutating func woke() -> LoopAction {
        switch state {
        case .idle: return succeeded(.claiming)
        case .connecting, .claiming, .checkingPending, .processing, .writing, .givingUp, .backingOff, .stopped:
            return invalid(.woke)
        }
    }

    /// The batch's write may now be retried for `writeGiveUpSeconds`.
    mutating func processed(now: Double) -> LoopAction {
        switch state {
        case .processing(var batch) where batch.next != .toClaim:
            batch.writeDeadline = now + rules.writeGiveUpSeconds
            return succeeded(.writing(batch))
        case .connecting, .claiming, .checkingPending, .idle, .processing, .writing, .givingUp, .backingOff, .stopped:
            return invalid(.processed)
        }
    }

    /// The batch was written (while writing) or given up (while giving up).
    mutating func released(_ event: LoopEvent) -> LoopAction {
        switch state {
        case .writing(let batch) where event == .written, .givingUp(let batch) where event == .gaveUp:
            return succeeded(next(after: batch))
        case .connecting, .claiming, .checkingPending, .idle, .processing, .writing, .givingUp, .backingOff, .stopped:
            return invalid(event)
        }
    }

    /// After a batch is written or given up: process the batch claimed ahead (already running in
    /// the background; within the same grace when stopping), else claim the next, unless a stop
    /// was requested.
    private func next(after batch: Batch) -> State {
        if batch.next == .claimed {
            var next = batch.graceDeadline == nil ? claimedBatch() : Batch(next: .absent)
            next.graceDeadline = batch.graceDeadline
            return .processing(next)
        }
        return batch.graceDeadline == nil ? .claiming : .stopped(.stopped)
    }

    /// The backoff is over: retry the step it was for (and only that step).
    mutating func backedOff(_ step: Step) -> LoopAction {
        switch state {
        case .backingOff(_, let retry) where retry.step == step: return enter(resumed(retry))
        case .connecting, .claiming, .checkingPending, .idle, .processing, .writing, .givingUp, .backingOff, .stopped:
            return invalid(.backedOff(step))
        }
    }

    private func resumed(_ retry: Retry) -> State {
        switch retry {
        case .connect(let batch): return .connecting(batch)
        case .claim: return .claiming
        case .checkPending: return .checkingPending
        case .write(let batch): return .writing(batch)
        }
    }

    /// A database step failed: only the states whose action touches the database can fail.
    mutating func failed(_ fault: DatabaseFault, now: Double) -> LoopAction {
        switch state {
        case .connecting(let batch): return failed(fault, retrying: .connect(batch), now: now)
        case .claiming: return failed(fault, retrying: .claim, now: now)
        case .checkingPending, .idle: return failed(fault, retrying: .checkPending, now: now)
        case .writing(let batch): return failed(fault, retrying: .write(batch), now: now)
        case .processing(var batch) where batch.next == .toClaim:
            // The claim ahead failed: nothing is claimed ahead this time. A lost connection is
            // re-established by the write's own retry rule; a fatal error stops the loop as always.
            if fault == .fatal { return enter(.stopped(.fatal)) }
            batch.next = .absent
            return enter(.processing(batch))
        case .processing, .givingUp, .backingOff, .stopped: return invalid(.failed(fault))
        }
    }

    /// Stop on a fatal fault; give a batch up past its deadline; otherwise back off, then retry
    /// the step that failed — or reconnect first when the connection is the problem.
    private mutating func failed(_ fault: DatabaseFault, retrying step: Retry, now: Double) -> LoopAction {
        if fault == .fatal { return enter(.stopped(.fatal)) }
        let batch = step.batch
        if let batch, now >= batch.deadline { return enter(.givingUp(batch)) }
        return backOff(then: fault == .connection ? .connect(batch) : step, now: now)
    }

    /// A stop ends the loop at once unless it holds a batch: then the current action goes ahead
    /// (the batch is processed and written, within the grace). A stopped loop stays stopped.
    mutating func stopRequested(now: Double) -> LoopAction {
        let grace = rules.shutdownGrace
        switch state {
        case .stopped(let exit): return .exit(exit)
        case .connecting(nil), .claiming, .checkingPending, .idle: return enter(.stopped(.stopped))
        case .connecting(let batch?): return enter(.connecting(batch.stopping(now: now, grace: grace)))
        case .processing(let batch): return enter(.processing(batch.stopping(now: now, grace: grace)))
        case .writing(let batch): return enter(.writing(batch.stopping(now: now, grace: grace)))
        case .givingUp(let batch): return enter(.givingUp(batch.stopping(now: now, grace: grace)))
        case .backingOff(let seconds, let retry):
            guard let batch = retry.batch else { return enter(.stopped(.stopped)) }
            return enter(.backingOff(seconds: seconds, then: retry.carrying(batch.stopping(now: now, grace: grace))))
        }
    }
}
