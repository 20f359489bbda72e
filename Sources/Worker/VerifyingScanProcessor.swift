import Dispatch
import Imaging
import JobQueue
import NeuralNet
import Preprocessing
import Verifier

/// The production processor: decode each scan (format from its magic bytes), preprocess it with
/// the bundle's profile to the network input size, verify the whole batch in one pass through
/// the networks, and keep the preprocessed image as PNG for the audit trail. Unreadable,
/// unsupported and oversized scans fail permanently with the decoder's reason; the rest of the
/// batch is still verified.
public struct VerifyingScanProcessor: ScanProcessor {
    public let verifier: Verifier
    public let profile: PreprocessingProfile
    public let decoder: ImageDecoder
    /// Scans larger than this many bytes fail without being decoded.
    public let maxScanBytes: Int

    public static let defaultMaxScanBytes = 64 << 20

    public init(verifier: Verifier, profile: PreprocessingProfile, decodeOptions: DecodeOptions = DecodeOptions(),
                maxScanBytes: Int = VerifyingScanProcessor.defaultMaxScanBytes) {
        self.verifier = verifier
        self.profile = profile
        self.decoder = ImageDecoder(options: decodeOptions)
        self.maxScanBytes = maxScanBytes
    }

    public var modelVersion: String { verifier.bundle.version }

    private struct Prepared {
        var png: [UInt8]
        var decodeMs: Double
        var preprocessMs: Double
    }

    public func process(_ jobs: [ClaimedJob]) -> [ScanOutcome] {
        let shape = verifier.inputShape
        let (height, width) = (shape[0], shape[1])
        let perImage = shape.reduce(1, *)
        var outcomes = [ScanOutcome?](repeating: nil, count: jobs.count)
        var prepared: [(index: Int, scan: Prepared)] = []
        var inputs: [Float] = []
        inputs.reserveCapacity(jobs.count * perImage)

        for (index, job) in jobs.enumerated() {
            let bytes = job.image ?? []
            guard bytes.count <= maxScanBytes else {
                outcomes[index] = .failure(.permanent("scan too large: \(bytes.count) bytes exceeds the limit of \(maxScanBytes) bytes"))
                continue
            }
            do {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let gray = try decoder.decode(bytes)
                let t1 = DispatchTime.now().uptimeNanoseconds
                let scan = try profile.run(gray, width: width, height: height)
                let png = try PNGEncoder.encode(scan.image)
                let t2 = DispatchTime.now().uptimeNanoseconds
                guard scan.input.count == perImage else {
                    outcomes[index] = .failure(.permanent("preprocessed input has \(scan.input.count) values, the model expects \(perImage)"))
                    continue
                }
                inputs += scan.input
                prepared.append((index, Prepared(png: png, decodeMs: Double(t1 - t0) / 1e6, preprocessMs: Double(t2 - t1) / 1e6)))
            } catch let error as ImagingError {
                outcomes[index] = .failure(Self.classify(error))
            } catch {
                outcomes[index] = .failure(.permanent("cannot preprocess scan: \(error)"))
            }
        }

        if !prepared.isEmpty {
            let t0 = DispatchTime.now().uptimeNanoseconds
            do {
                let verifications = try verifier.verify(Tensor(shape: [prepared.count] + shape, storage: inputs))
                let verifyMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(prepared.count)
                for (k, item) in prepared.enumerated() {
                    let v = verifications[k]
                    outcomes[item.index] = .success(VerdictRecord(
                        modelVersion: v.modelVersion, preprocessingProfile: profile.name,
                        reconstructionError: v.reconstructionError, anomalyScore: v.anomalyScore,
                        classifierConfidence: v.classifierConfidence, reconstructionThreshold: v.reconstructionThreshold,
                        anomalyScoreMin: v.anomalyScoreMin, classifierConfidenceMin: v.classifierConfidenceMin,
                        reconstructionPassed: v.reconstructionPassed, anomalyPassed: v.anomalyPassed,
                        classifierPassed: v.classifierPassed,
                        timings: StageTimings(decodeMs: item.scan.decodeMs, preprocessMs: item.scan.preprocessMs, verifyMs: verifyMs),
                        preprocessedPNG: item.scan.png))
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
