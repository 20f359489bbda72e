import Foundation
import JobQueue

/// `sigverify status`'s tables: the typed rows as text cells, under the columns it always printed.
extension QueueStatus {
    var tables: [(title: String, table: QueryResult)] {
        [
            ("Queue depth", Self.table(["status", "jobs", "waiting_for_retry", "oldest_created_at"], depth.map {
                [$0.status, "\($0.jobs)", "\($0.waitingForRetry)", $0.oldestCreatedAt]
            })),
            ("Throughput (jobs finished)", Self.table(["window", "succeeded", "failed", "per_minute"], throughput.map {
                [$0.window, "\($0.succeeded)", "\($0.failed)", String(format: "%.1f", $0.perMinute)]
            })),
            ("Workers (seen in the last hour)", Self.table(
                ["worker_id", "hostname", "pid", "concurrency", "model_version", "heartbeat_age_s", "state", "leased_jobs"],
                workers.map {
                    [$0.workerId, $0.hostname, "\($0.pid)", "\($0.concurrency)", $0.modelVersion,
                     String(format: "%.1f", $0.heartbeatAgeSeconds), $0.state.rawValue, "\($0.leasedJobs)"]
                })),
        ]
    }

    private static func table(_ columns: [String], _ rows: [[String?]]) -> QueryResult {
        QueryResult(columns: columns, rows: rows, affectedRows: 0)
    }
}
