import Foundation
import JobQueue

public enum WorkerError: Error, CustomStringConvertible {
    case invalidConfiguration(String)
    case database(PostgresError)
    /// A loop held jobs without progress for longer than the batch deadline allows.
    case loopStuck(loop: Int, idleSeconds: Double, jobs: [Int64])
    /// Batches were still in flight when the shutdown grace ran out.
    case shutdownGraceExpired(graceSeconds: Double, jobsInFlight: Int)
    /// A claim loop's state machine was told of an event its state cannot take (a bug).
    case invalidLoopTransition(loop: Int, LoopStateMachine.InvalidTransition)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return "invalid worker configuration: \(message)"
        case .database(let error):
            let hint = error.sqlState == "42P01" || error.sqlState == "3F000" ? " (run `sigverify migrate` first)" : ""
            return "worker stopped on a database error: \(error)\(hint)"
        case .loopStuck(let loop, let idle, let jobs):
            return "loop \(loop) made no progress for \(String(format: "%.0f", idle)) s (--batch-deadline), holding jobs \(jobs); "
                + "their leases were no longer renewed, so peers retry them"
        case .shutdownGraceExpired(let grace, let jobs):
            return "shutdown grace of \(String(format: "%g", grace)) s ran out with \(jobs) jobs in flight; "
                + "their leases run out and peers retry them"
        case .invalidLoopTransition(let loop, let transition):
            return "loop \(loop) stopped on an invalid state transition (\(transition)); "
                + "the batch it held, if any, is left to its leases"
        }
    }
}
