import JobQueue

/// What the queue page shows.
struct QueueOverview {
    var status: QueueStatus
    /// Age of the oldest queued job, seconds; nil when none is queued.
    var oldestQueuedSeconds: Double?
    /// Jobs finished in each of the last 60 minutes, oldest first.
    var lastHour: [MinuteCount]
    var failures: [JobFailure]
}

struct MinuteCount: Equatable {
    var succeeded: Int
    var failed: Int
}

struct JobFailure {
    var jobId: Int64
    var reference: String
    var attempts: Int
    var failedAt: String
    var reason: String
}

/// One row of the verdict list.
struct VerdictSummary {
    var jobId: Int64
    var reference: String
    var verdict: String
    var failing: [String]
    var modelVersion: String
    var createdAt: String
}

/// A page of the verdict list and how many match in all.
struct VerdictPage {
    var rows: [VerdictSummary]
    var total: Int
}

/// A job as submitted and where it stands.
struct JobFacts {
    var id: Int64
    var status: String
    var filename: String?
    var externalRef: String?
    var metadata: String
    var imageSize: Int?
    var hasScan: Bool
    var createdAt: String
    var lastError: String?
    var attempts: Int
}

/// One criterion's score against its threshold.
struct CriterionScore {
    var name: String
    var value: Double
    var threshold: Double
    /// Passing means `value <= threshold` (else `>=`).
    var passesBelow: Bool
    var passed: Bool
}

struct VerdictScores {
    var verdict: String
    var modelVersion: String
    var profile: String
    var worker: String
    var createdAt: String
    var criteria: [CriterionScore]
    var chainSeq: Int64?
    var chainHash: String?
}

struct JobEvent {
    var from: String?
    var to: String
    var attempt: Int
    var worker: String?
    var reason: String?
    var createdAt: String
    var chainSeq: Int64?
}

/// Everything the verdict page shows of one job.
struct VerdictDetail {
    var job: JobFacts
    var scores: VerdictScores?
    var events: [JobEvent]
    /// The chain's last place now.
    var chainHead: Int64
}

/// The audit page: the head as stored, and the last verification run from this console.
struct ChainHead {
    var seq: Int64
    var hashHex: String?
}
