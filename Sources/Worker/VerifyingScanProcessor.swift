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
///
/// A batch runs in two phases that never overlap inside one call: the scans are decoded,
/// preprocessed and PNG-encoded spread over the cores (`Parallel.map`), then the networks run once
/// over the good ones (OpenBLAS and the layers split that work themselves).
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
        process(jobs, scanDone: {})
    }

    public func process(_ jobs: [ClaimedJob], scanDone: @escaping @Sendable () -> Void) -> [ScanOutcome] {
        var outcomes = [ScanOutcome?](repeating: nil, count: jobs.count)
        var ready: [(index: Int, item: PreparedItem)] = []
        for (index, preparation) in prepareAll(jobs, scanDone: scanDone).enumerated() {
            switch preparation {
            case .ready(let item): ready.append((index, item))
            case .failed(let failure): outcomes[index] = .failure(failure)
            }
        }
        for (index, outcome) in zip(ready.map(\.index), verify(ready.map(\.item))) {
            outcomes[index] = outcome
        }
        return outcomes.map { $0 ?? .failure(.transient("scan was not processed")) }
    }

    /// Phase 1: every scan's decode → preprocess → PNG encode, one scan per task, over the cores;
    /// each scan's error stays in its own slot. Uses the claim loop's share of the cores
    /// (`CoreShare`), so loops of one process never oversubscribe the machine.
    func prepareAll(_ jobs: [ClaimedJob], scanDone: @Sendable () -> Void = {}) -> [Preparation] {
        Parallel.map(jobs.count) { index in
            let preparation = prepareOne(jobs[index])
            scanDone()
            return preparation
        }
    }

    /// One scan's decode, preprocessing and PNG of the network input.
    func prepareOne(_ job: ClaimedJob) -> Preparation {
        let bytes = job.image ?? []
        guard bytes.count <= maxScanBytes else { return .failed(.tooLarge(bytes: bytes.count, limit: maxScanBytes)) }
        do {
            let scan = try scanVerifier.prepare(bytes, page: job.page)
            return .ready(PreparedItem(scan: scan, png: try PNGEncoder.encode(scan.image)))
        } catch let error as ImagingError {
            return .failed(Self.classify(error))
        } catch let error as ScanBudgetError {
            return .failed(.permanent(error.description))
        } catch {
            return .failed(.permanent("cannot preprocess scan: \(error)"))
        }
    }

    /// Phase 2: one pass of the networks over the prepared scans, one outcome per scan in order.
    func verify(_ items: [PreparedItem]) -> [ScanOutcome] {
        guard !items.isEmpty else { return [] }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let verifications: [Verification]
        do { verifications = try scanVerifier.verify(items.map(\.scan)) } catch {
            // The bundle and this build disagree: not the scans' fault, so retry (another
            // worker may run a good model) until attempts run out.
            return items.map { _ in .failure(.transient("verifier failed: \(error)")) }
        }
        let verifyMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(items.count)
        return zip(items, verifications).map { item, verification in
            // A NaN/∞ score says the model is broken, not the scan: retry (another worker may run
            // a sound bundle); it never becomes an uncorrectable verdict row.
            do {
                return .success(record(try verification.requireFiniteScores(), scan: item.scan, png: item.png, verifyMs: verifyMs))
            } catch {
                return .failure(.transient("\(error)"))
            }
        }
    }

    private func record(_ v: Verification, scan: PreparedScan, png: [UInt8], verifyMs: Double) -> VerdictRecord {
        VerdictRecord(
            modelVersion: v.modelVersion, preprocessingProfile: scanVerifier.profile.name,
            reconstructionError: v.reconstructionError, anomalyScore: v.anomalyScore,
            classifierConfidence: v.classifierConfidence, reconstructionThreshold: v.reconstructionThreshold,
            anomalyScoreMin: v.anomalyScoreMin, classifierConfidenceMin: v.classifierConfidenceMin,
            reconstructionPassed: v.reconstructionPassed, anomalyPassed: v.anomalyPassed,
            classifierPassed: v.classifierPassed,
            timings: StageTimings(decodeMs: scan.decodeMs, preprocessMs: scan.preprocessMs, verifyMs: verifyMs),
            preprocessedPNG: png)
    }

    /// Decoding errors are properties of the bytes (permanent) except running out of memory,
    /// which another attempt on a less loaded worker may survive.
    static func classify(_ error: ImagingError) -> ScanFailure {
        if case .outOfMemory = error { return .transient(error.description) }
        return .permanent(error.description)
    }
}

/// A scan ready for the networks and the PNG of its network input (the audit copy).
struct PreparedItem: Sendable {
    let scan: PreparedScan
    let png: [UInt8]
}

/// What phase 1 made of one job: ready for the networks, or its failure.
enum Preparation: Sendable {
    case ready(PreparedItem)
    case failed(ScanFailure)
}
