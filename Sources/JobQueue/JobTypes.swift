import Foundation

/// A scan to submit. The queue does not judge content: every submission becomes a job, and a
/// broken scan fails visibly in the worker with its reason.
public struct NewJob: Sendable, Equatable {
    public var image: [UInt8]
    public var filename: String?
    public var contentType: String?
    public var externalRef: String?
    /// A JSON object as text (`{"batch": "2026-11"}`), stored as `jsonb`.
    public var metadataJSON: String?
    /// Lower runs first.
    public var priority: Int
    /// nil: the table default (5).
    public var maxAttempts: Int?
    /// Which page of a multi-page scan to verify (0-based).
    public var page: Int
    /// nil: every submission is a new job.
    public var idempotencyKey: IdempotencyKey?
    /// The enrolled person the signature claims to be (migration 0012): the worker also matches
    /// it against that subject's references. nil: the three criteria only.
    public var subject: String?

    public init(image: [UInt8], filename: String? = nil, contentType: String? = nil, externalRef: String? = nil,
                metadataJSON: String? = nil, priority: Int = 0, maxAttempts: Int? = nil, page: Int = 0,
                idempotencyKey: IdempotencyKey? = nil, subject: String? = nil) {
        self.subject = subject
        self.page = page
        self.idempotencyKey = idempotencyKey
        self.image = image
        self.filename = filename
        self.contentType = contentType
        self.externalRef = externalRef
        self.metadataJSON = metadataJSON
        self.priority = priority
        self.maxAttempts = maxAttempts
    }
}

/// What makes a submission idempotent (migration 0009): a second submission with a key already in
/// the queue returns that job instead of creating one; the same key with other bytes or another
/// page is refused (SQLSTATE 23505).
public enum IdempotencyKey: Sendable, Equatable {
    /// The caller's own key (1 to 1024 bytes).
    case given(String)
    /// `sigverify.scan_idempotency_key(image, page, external_ref)`: the SHA-256 of the bytes, the
    /// page and the external_ref, computed by the database. What `sigverify enqueue` uses.
    case derived
}

/// One submission's job: new, or the one its idempotency key already named.
public struct EnqueuedJob: Sendable, Equatable {
    public var id: Int64
    /// false: the key was already queued (this run or an earlier one); nothing was inserted.
    public var created: Bool

    public init(id: Int64, created: Bool) {
        self.id = id
        self.created = created
    }
}

/// A job this worker holds a lease on. `attempt` identifies the claim: results are written only
/// while the job is still `running` under this worker's lease *and* this attempt.
public struct ClaimedJob: Sendable, Equatable {
    public var id: Int64
    public var attempt: Int
    public var maxAttempts: Int
    /// nil when the row holds no bytes (pruned, inserted without an image) or they were not fetched
    /// (`imageFailure` says why).
    public var image: [UInt8]?
    /// Why the claim did not fetch the scan's bytes (over the size limit, unreadable): the job fails
    /// with this without reaching the processor.
    public var imageFailure: ScanFailure?
    public var filename: String?
    public var contentType: String?
    public var externalRef: String?
    /// Which page of a multi-page scan to verify (0-based).
    public var page: Int
    /// The subject the signature is matched against (nil: no match).
    public var subject: String?
    /// The subject's active references, fetched with the claim when the worker has a writer
    /// model (one query per batch); empty otherwise.
    public var references: [EnrolledReference]

    public init(id: Int64, attempt: Int, maxAttempts: Int, image: [UInt8]?, filename: String? = nil,
                contentType: String? = nil, externalRef: String? = nil, page: Int = 0, imageFailure: ScanFailure? = nil,
                subject: String? = nil, references: [EnrolledReference] = []) {
        self.id = id
        self.subject = subject
        self.references = references
        self.imageFailure = imageFailure
        self.page = page
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.image = image
        self.filename = filename
        self.contentType = contentType
        self.externalRef = externalRef
    }
}

/// Milliseconds spent per stage for one scan (batched stages: this scan's share).
public struct StageTimings: Sendable, Equatable {
    public var decodeMs: Double
    public var preprocessMs: Double
    public var verifyMs: Double

    public init(decodeMs: Double, preprocessMs: Double, verifyMs: Double) {
        self.decodeMs = decodeMs
        self.preprocessMs = preprocessMs
        self.verifyMs = verifyMs
    }
}

/// Everything written to `sigverify.verdicts` for one scan. The verdict is derived from the three
/// pass flags, so a record can never say `valid` with a failed criterion.
public struct VerdictRecord: Sendable, Equatable {
    public var modelVersion: String
    public var preprocessingProfile: String
    public var reconstructionError: Double
    public var anomalyScore: Double
    public var classifierConfidence: Double
    public var reconstructionThreshold: Double
    public var anomalyScoreMin: Double
    public var classifierConfidenceMin: Double
    public var reconstructionPassed: Bool
    public var anomalyPassed: Bool
    public var classifierPassed: Bool
    public var timings: StageTimings
    /// The preprocessed network input as a PNG, so auditors see what the networks saw.
    public var preprocessedPNG: [UInt8]
    /// The writer match for a job with a subject (nil: no subject, every match column NULL).
    public var match: MatchRecord?

    public var isValid: Bool { reconstructionPassed && anomalyPassed && classifierPassed }
    public var verdict: String { isValid ? "valid" : "invalid" }

    public init(modelVersion: String, preprocessingProfile: String,
                reconstructionError: Double, anomalyScore: Double, classifierConfidence: Double,
                reconstructionThreshold: Double, anomalyScoreMin: Double, classifierConfidenceMin: Double,
                reconstructionPassed: Bool, anomalyPassed: Bool, classifierPassed: Bool,
                timings: StageTimings, preprocessedPNG: [UInt8], match: MatchRecord? = nil) {
        self.match = match
        self.modelVersion = modelVersion
        self.preprocessingProfile = preprocessingProfile
        self.reconstructionError = reconstructionError
        self.anomalyScore = anomalyScore
        self.classifierConfidence = classifierConfidence
        self.reconstructionThreshold = reconstructionThreshold
        self.anomalyScoreMin = anomalyScoreMin
        self.classifierConfidenceMin = classifierConfidenceMin
        self.reconstructionPassed = reconstructionPassed
        self.anomalyPassed = anomalyPassed
        self.classifierPassed = classifierPassed
        self.timings = timings
        self.preprocessedPNG = preprocessedPNG
    }
}

/// Why a scan produced no verdict.
public enum ScanFailure: Sendable, Equatable, CustomStringConvertible {
    /// Retrying cannot help (corrupt, unsupported or oversized image): fail the job at once.
    case permanent(String)
    /// Might work next time (I/O, resources): retry with backoff until max attempts.
    case transient(String)

    public var reason: String {
        switch self {
        case .permanent(let r), .transient(let r): return r
        }
    }

    public var isPermanent: Bool {
        if case .permanent = self { return true }
        return false
    }

    public var description: String { (isPermanent ? "permanent: " : "transient: ") + reason }

    /// A scan over the byte limit: retrying cannot shrink it.
    public static func tooLarge(bytes: Int, limit: Int) -> ScanFailure {
        .permanent("scan too large: \(bytes) bytes exceeds the limit of \(limit) bytes")
    }
}

/// What processing one claimed scan produced.
public enum ScanOutcome: Sendable, Equatable {
    case success(VerdictRecord)
    case failure(ScanFailure)
}

/// One claimed job and its outcome, ready for `JobQueue.finish`.
public struct JobResult: Sendable, Equatable {
    public var job: ClaimedJob
    public var outcome: ScanOutcome

    public init(job: ClaimedJob, outcome: ScanOutcome) {
        self.job = job
        self.outcome = outcome
    }
}

/// What `finish` wrote.
public struct FinishSummary: Sendable, Equatable {
    public var succeeded: [Int64] = []
    public var retried: [Int64] = []
    public var failed: [Int64] = []
    /// Jobs whose lease this worker no longer held (reaped and possibly re-claimed): nothing was
    /// written for them, so no verdict is ever recorded twice.
    public var lostLease: [Int64] = []

    public init() {}
}

/// Exponential backoff with jitter for transient failures: after attempt k the job waits a
/// uniformly random time in [½·d, d], d = min(cap, base·2^(k−1)) — spreading retries of a batch
/// that failed together.
public struct RetryPolicy: Sendable, Equatable {
    public var baseDelay: Double
    public var maxDelay: Double

    public init(baseDelay: Double = 2, maxDelay: Double = 300) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No waiting between attempts (tests, or an operator draining a queue by hand).
    public static let immediate = RetryPolicy(baseDelay: 0, maxDelay: 0)

    /// The range the delay after failed attempt `attempt` (1-based) is drawn from, in seconds.
    public func delayRange(afterAttempt attempt: Int) -> ClosedRange<Double> {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let upper = min(maxDelay, baseDelay * Foundation.pow(2, exponent))
        return (upper / 2)...upper
    }

    public func delay<G: RandomNumberGenerator>(afterAttempt attempt: Int, using generator: inout G) -> Double {
        let range = delayRange(afterAttempt: attempt)
        return range.lowerBound == range.upperBound ? range.lowerBound : Double.random(in: range, using: &generator)
    }
}
