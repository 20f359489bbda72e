/// An active reference signature of a subject as a worker needs it (migration 0012): its cached
/// embedding for the worker's writer model, or — when none is cached yet — its image bytes.
public struct EnrolledReference: Sendable, Equatable {
    public var id: Int64
    /// The cached embedding for the claiming worker's writer-model version (nil: not cached yet).
    public var embedding: [Float]?
    /// The reference's bytes, fetched only when no embedding is cached.
    public var image: [UInt8]?

    public init(id: Int64, embedding: [Float]? = nil, image: [UInt8]? = nil) {
        self.id = id
        self.embedding = embedding
        self.image = image
    }
}

/// An embedding a worker computed for a reference, to cache for its writer-model version.
public struct ReferenceEmbedding: Sendable, Equatable {
    public var referenceId: Int64
    public var embedding: [Float]

    public init(referenceId: Int64, embedding: [Float]) {
        self.referenceId = referenceId
        self.embedding = embedding
    }

    /// float32 little-endian, as `sigverify.reference_embeddings.embedding` stores it.
    public var bytes: [UInt8] {
        embedding.flatMap { value -> [UInt8] in
            let bits = value.bitPattern.littleEndian
            return [UInt8(bits & 0xff), UInt8(bits >> 8 & 0xff), UInt8(bits >> 16 & 0xff), UInt8(bits >> 24)]
        }
    }

    /// The floats of `bytes` (nil unless a whole number of float32 values).
    public static func floats(_ bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0, !bytes.isEmpty else { return nil }
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }
}

/// The writer match written with a verdict of a job with a subject: the score and decision, what an
/// auditor needs to re-check them (writer-model version, threshold, which references), or — when
/// there is no score — why (`reason`).
public struct MatchRecord: Sendable, Equatable {
    public var score: Double?
    public var threshold: Double?
    public var modelVersion: String?
    public var referenceIds: [Int64]
    public var reason: String?
    /// Embeddings computed for this match that were not cached yet (written with the verdicts).
    public var newEmbeddings: [ReferenceEmbedding]

    public var passed: Bool? {
        guard let score, let threshold else { return nil }
        return score >= threshold
    }

    /// A match that was computed.
    public static func scored(_ score: Double, threshold: Double, modelVersion: String, referenceIds: [Int64],
                              newEmbeddings: [ReferenceEmbedding] = []) -> MatchRecord {
        MatchRecord(score: score, threshold: threshold, modelVersion: modelVersion, referenceIds: referenceIds,
                    reason: nil, newEmbeddings: newEmbeddings)
    }

    /// No score, and why (the three-criterion verdict still stands).
    public static func unmatched(_ reason: String, modelVersion: String? = nil, threshold: Double? = nil) -> MatchRecord {
        MatchRecord(score: nil, threshold: threshold, modelVersion: modelVersion, referenceIds: [], reason: reason, newEmbeddings: [])
    }

    public static let noWriterModel = "no writer model loaded"
    public static let noReferences = "subject has no active references"
}

/// One reference as `sigverify.reference_status` shows it.
public struct ReferenceStatus: Sendable, Equatable {
    public var id: Int64
    public var subject: String
    public var checkJobId: Int64
    /// `pending`, `active`, `refused` or `revoked`.
    public var status: String
    public var reason: String?
}

/// What `enrol_reference` did with one file.
public struct Enrolment: Sendable, Equatable {
    public var referenceId: Int64
    public var checkJobId: Int64
    /// false: the subject already had this reference (same bytes, not revoked).
    public var created: Bool

    public init(referenceId: Int64, checkJobId: Int64, created: Bool) {
        self.referenceId = referenceId
        self.checkJobId = checkJobId
        self.created = created
    }
}
