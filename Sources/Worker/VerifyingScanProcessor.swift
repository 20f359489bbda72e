import Dispatch
import Imaging
import JobQueue
import NeuralNet
import Preprocessing
import Verifier

/// The production processor: each claimed scan goes through `ScanVerifier` (decode by magic
/// bytes, the bundle's preprocessing, one batched pass through the networks) and the network input
/// is kept as PNG for the audit trail. Unreadable, unsupported and oversized scans fail permanently
/// with the decoder's reason; the rest of the batch is still verified.
public struct VerifyingScanProcessor: ScanProcessor {
    public let scanVerifier: ScanVerifier
    /// Scans larger than this many bytes fail without being decoded.
    public let maxScanBytes: Int

    public static let defaultMaxScanBytes = JobQueue.defaultMaxScanBytes

    public init(scanVerifier: ScanVerifier, maxScanBytes: Int = VerifyingScanProcessor.defaultMaxScanBytes) {
        self.scanVerifier = scanVerifier
        self.maxScanBytes = maxScanBytes
    }

    public var modelVersion: String { scanVerifier.modelVersion }

    public func process(_ jobs: [ClaimedJob]) -> [ScanOutcome] {
        var outcomes = [ScanOutcome?](repeating: nil, count: jobs.count)
        var prepared: [(index: Int, scan: PreparedScan, png: [UInt8])] = []

        for (index, job) in jobs.enumerated() {
            let bytes = job.image ?? []
            guard bytes.count <= maxScanBytes else {
                outcomes[index] = .failure(.tooLarge(bytes: bytes.count, limit: maxScanBytes))
                continue
            }
            do {
                let scan = try scanVerifier.prepare(bytes, page: job.page)
                prepared.append((index, scan, try PNGEncoder.encode(scan.image)))
            } catch let error as ImagingError {
                outcomes[index] = .failure(Self.classify(error))
            } catch {
                outcomes[index] = .failure(.permanent("cannot preprocess scan: \(error)"))
            }
        }

        if !prepared.isEmpty {
            let t0 = DispatchTime.now().uptimeNanoseconds
            do {
                let verifications = try scanVerifier.verify(prepared.map(\.scan))
                let verifyMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(prepared.count)
                for (item, verification) in zip(prepared, verifications) {
                    // A NaN/∞ score says the model is broken, not the scan: retry (another worker
                    // may run a sound bundle); it never becomes an uncorrectable verdict row.
                    let v: Verification
                    do { v = try verification.requireFiniteScores() } catch {
                        outcomes[item.index] = .failure(.transient("\(error)"))
                        continue
                    }
                    outcomes[item.index] = .success(VerdictRecord(
                        modelVersion: v.modelVersion, preprocessingProfile: scanVerifier.profile.name,
                        reconstructionError: v.reconstructionError, anomalyScore: v.anomalyScore,
                        classifierConfidence: v.classifierConfidence, reconstructionThreshold: v.reconstructionThreshold,
                        anomalyScoreMin: v.anomalyScoreMin, classifierConfidenceMin: v.classifierConfidenceMin,
                        reconstructionPassed: v.reconstructionPassed, anomalyPassed: v.anomalyPassed,
                        classifierPassed: v.classifierPassed,
                        timings: StageTimings(decodeMs: item.scan.decodeMs, preprocessMs: item.scan.preprocessMs, verifyMs: verifyMs),
                        preprocessedPNG: item.png))
                }
            } catch {
                // The bundle and this build disagree: not the scans' fault, so retry (another
                // worker may run a good model) until attempts run out.
                for item in prepared { outcomes[item.index] = .failure(.transient("verifier failed: \(error)")) }
            }
        }
        return outcomes.map { $0 ?? .failure(.transient("scan was not processed")) }
    }

    /// Decoding errors are properties of the bytes (permanent) except running out of memory,
    /// which another attempt on a less loaded worker may survive.
    static func classify(_ error: ImagingError) -> ScanFailure {
        if case .outOfMemory = error { return .transient(error.description) }
        return .permanent(error.description)
    }
}
