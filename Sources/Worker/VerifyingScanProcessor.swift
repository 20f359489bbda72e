import Imaging
import JobQueue
import ScanPipeline

/// The production processor: each claimed scan goes through `ScanVerifier` (decode by magic
/// bytes, the bundle's preprocessing, one batched pass through the networks) and the network input
/// is kept as PNG for the audit trail. Unreadable, unsupported and oversized scans fail permanently
/// with the decoder's reason; the rest of the batch is still verified.
///
/// The batch itself runs through `ScanVerifier.run` (ScanPipeline), the same path as `sigverify
/// verify`: decode, preprocessing and the PNG spread over the cores, then one pass of the networks
/// over the good scans. This adapter adds only the queue's side: the byte limit, the audit PNG and
/// which failures are permanent — and, for jobs with a subject, the writer match
/// (`SubjectMatching`).
public struct VerifyingScanProcessor: ScanProcessor {
    public let scanVerifier: ScanVerifier
    /// Scans larger than this many bytes fail without being decoded.
    public let maxScanBytes: Int
    /// The writer model matching jobs with a subject (nil: their match is NULL, "no writer model loaded").
    public let matcher: (any SubjectMatcher)?

    public static let defaultMaxScanBytes = JobQueue.defaultMaxScanBytes

    public init(scanVerifier: ScanVerifier, maxScanBytes: Int = VerifyingScanProcessor.defaultMaxScanBytes,
                matcher: (any SubjectMatcher)? = nil) {
        self.scanVerifier = scanVerifier
        self.maxScanBytes = maxScanBytes
        self.matcher = matcher
    }

    public var modelVersion: String { scanVerifier.modelVersion }
    public var writerModelVersion: String? { matcher?.version }

    public func process(_ jobs: [ClaimedJob]) -> [ScanOutcome] {
        process(jobs, scanDone: {})
    }

    public func process(_ jobs: [ClaimedJob], scanDone: @escaping @Sendable () -> Void) -> [ScanOutcome] {
        let sources = jobs.map { job in
            ScanSource(page: job.page) { [maxScanBytes] in
                let bytes = job.image ?? []
                guard bytes.count <= maxScanBytes else { throw OversizedScan(bytes: bytes.count, limit: maxScanBytes) }
                return bytes
            }
        }
        let outcomes = scanVerifier.run(sources, scanDone: scanDone) { try PNGEncoder.encode($0.image) }.map(outcome)
        return SubjectMatching(matcher: matcher, decodeOptions: scanVerifier.decodeOptions).apply(to: outcomes, of: jobs)
    }

    /// The queue's reading of one scan's result: what the scan itself got wrong is permanent; a
    /// broken model (the networks' pass failed, a NaN/∞ score) is transient — another worker may
    /// run a sound bundle — and never becomes an uncorrectable verdict row.
    private func outcome(_ result: Result<VerifiedScan<[UInt8]>, ScanError>) -> ScanOutcome {
        switch result {
        case .success(let verified): return .success(record(verified))
        case .failure(.unprepared(let error)): return .failure(Self.classify(error))
        case .failure(.nonFiniteScores(let error)): return .failure(.transient(error.description))
        case .failure(.verifierFailed(let error)): return .failure(.transient("verifier failed: \(error)"))
        }
    }

    private func record(_ verified: VerifiedScan<[UInt8]>) -> VerdictRecord {
        let (v, scan) = (verified.verification, verified.scan)
        return VerdictRecord(
            modelVersion: v.modelVersion, preprocessingProfile: scanVerifier.profile.name,
            reconstructionError: v.reconstructionError, anomalyScore: v.anomalyScore,
            classifierConfidence: v.classifierConfidence, reconstructionThreshold: v.reconstructionThreshold,
            anomalyScoreMin: v.anomalyScoreMin, classifierConfidenceMin: v.classifierConfidenceMin,
            reconstructionPassed: v.reconstructionPassed, anomalyPassed: v.anomalyPassed,
            classifierPassed: v.classifierPassed,
            timings: StageTimings(decodeMs: scan.decodeMs, preprocessMs: scan.preprocessMs, verifyMs: verified.verifyMs),
            preprocessedPNG: verified.extra)
    }

    /// A scan's own failure as the queue records it. Decoding errors are properties of the bytes
    /// (permanent) except running out of memory, which another attempt on a less loaded worker may
    /// survive.
    static func classify(_ error: any Error) -> ScanFailure {
        switch error {
        case let oversized as OversizedScan: return .tooLarge(bytes: oversized.bytes, limit: oversized.limit)
        case let error as ImagingError:
            if case .outOfMemory = error { return .transient(error.description) }
            return .permanent(error.description)
        case let error as ScanBudgetError: return .permanent(error.description)
        default: return .permanent("cannot preprocess scan: \(error)")
        }
    }
}

/// A claimed scan over `--max-scan-bytes`: failed without being decoded.
private struct OversizedScan: Error {
    let bytes: Int
    let limit: Int
}
