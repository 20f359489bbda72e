import Logging

/// Writing a refused batch job by job, so one job cannot poison its batch-mates.
extension JobQueue {
    /// Writes each result in its own transaction. A job whose result the server refuses for its
    /// own data (`PostgresError.concernsOneRow`, e.g. a verdict already recorded for it) fails
    /// permanently with the server's reason in `last_error`; the others are written as usual.
    /// Any other error is thrown: it is not this job's fault, and `finish` may be repeated.
    func finishOneByOne(_ results: [JobResult], workerId: String, retryPolicy: RetryPolicy) throws(PostgresError) -> FinishSummary {
        var summary = FinishSummary()
        for result in results {
            let written: FinishSummary
            do {
                written = try write([result], workerId: workerId, retryPolicy: retryPolicy)
            } catch where error.concernsOneRow {
                logger.error("result refused; failing the job", metadata: [
                    "job": "\(result.job.id)", "worker": "\(workerId)", "error": "\(error)",
                ])
                let refused = JobResult(job: result.job, outcome: .failure(.permanent("result could not be recorded: \(error)")))
                written = try write([refused], workerId: workerId, retryPolicy: retryPolicy)
            }
            summary.succeeded += written.succeeded
            summary.retried += written.retried
            summary.failed += written.failed
        }
        return summary
    }
}
