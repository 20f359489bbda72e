import Dispatch
import Foundation
import Imaging
import NeuralNet
import Preprocessing
import Verifier

/// A model bundle made ready to judge scans: the data path from scan bytes to `Verification`
/// (decode → the bundle's preprocessing profile at its input size → batched verifier). The one
/// place that path is assembled, so `sigverify verify`, the queue worker and benchmarks cannot
/// drift apart; `run(_:scanDone:finish:)` takes a whole batch through it.
public struct ScanVerifier: Sendable {
    public let bundle: ModelBundle
    public let verifier: Verifier
    public let profile: PreprocessingProfile
    public let decodeOptions: DecodeOptions
    /// A worker's per-scan budget (pixels — of the scan and of every canvas preprocessing derives
    /// from it — and decode time); nil: only the decoder's own limits.
    public let budget: ScanBudget?

    public init(bundle: ModelBundle, maxBatch: Int = 32, decodeOptions: DecodeOptions = DecodeOptions(),
                budget: ScanBudget? = nil) throws(ScanVerifierError) {
        self.bundle = bundle
        self.verifier = Verifier(bundle: bundle, maxBatch: maxBatch)
        do {
            self.profile = try PreprocessingProfile.forBundle(bundle.parameters)
        } catch {
            throw .unsupportedPreprocessing("\(error)")
        }
        self.decodeOptions = budget?.limiting(decodeOptions) ?? decodeOptions
        self.budget = budget
    }

    /// Loads the bundle folder and prepares it.
    public init(modelFolder: URL, maxBatch: Int = 32, decodeOptions: DecodeOptions = DecodeOptions(),
                budget: ScanBudget? = nil) throws(ScanVerifierError) {
        let bundle: ModelBundle
        do { bundle = try ModelBundle.load(from: modelFolder) } catch {
            throw .unloadableModel(folder: modelFolder.path, reason: "\(error)")
        }
        try self.init(bundle: bundle, maxBatch: maxBatch, decodeOptions: decodeOptions, budget: budget)
    }

    public var modelVersion: String { bundle.version }

    /// Decodes (page `page` of a multi-page scan) and preprocesses one scan. Errors are the
    /// scan's own (corrupt, unsupported, oversized): typed `ImagingError`/`PreprocessingError`, or
    /// `ScanBudgetError` when it is over the budget.
    public func prepare(_ bytes: [UInt8], page: Int = 0) throws -> PreparedScan {
        let shape = verifier.inputShape
        var options = profile.decodeOptions(decodeOptions, width: shape[1], height: shape[0])
        options.page = page
        let t0 = DispatchTime.now().uptimeNanoseconds
        let gray: GrayImage
        do { gray = try ImageDecoder(options: options).decode(bytes) } catch { throw budget?.reason(for: error) ?? error }
        let t1 = DispatchTime.now().uptimeNanoseconds
        try budget?.checkDecode(seconds: Double(t1 - t0) / 1e9)
        let scan = try profile.run(gray, width: shape[1], height: shape[0], maxPixels: decodeOptions.maxPixels)
        let t2 = DispatchTime.now().uptimeNanoseconds
        guard scan.input.count == shape.reduce(1, *) else {
            throw ScanVerifierError.inputSizeMismatch(values: scan.input.count, expectedShape: shape)
        }
        return PreparedScan(image: scan.image, input: scan.input,
                            decodeMs: Double(t1 - t0) / 1e6, preprocessMs: Double(t2 - t1) / 1e6)
    }

    /// Runs the networks once over all `scans` (split into `maxBatch` chunks by the verifier).
    public func verify(_ scans: [PreparedScan]) throws(VerifierError) -> [Verification] {
        guard !scans.isEmpty else { return [] }
        var inputs: [Float] = []
        inputs.reserveCapacity(scans.count * scans[0].input.count)
        for scan in scans { inputs += scan.input }
        return try verifier.verify(Tensor(shape: [scans.count] + verifier.inputShape, storage: inputs))
    }
}

/// One scan ready for the networks, with what it cost to get there.
public struct PreparedScan: Sendable {
    /// The network input as 8-bit pixels (what an auditor sees).
    public let image: GrayImage
    /// The network input, H×W×1 row-major in [0, 1].
    public let input: [Float]
    public let decodeMs: Double
    public let preprocessMs: Double
}

public enum ScanVerifierError: Error, CustomStringConvertible, Sendable {
    case unloadableModel(folder: String, reason: String)
    case unsupportedPreprocessing(String)
    case inputSizeMismatch(values: Int, expectedShape: [Int])

    public var description: String {
        switch self {
        case .unloadableModel(let folder, let reason): return "cannot load model bundle \(folder): \(reason)"
        case .unsupportedPreprocessing(let reason): return "the bundle's preprocessing is not available in this build: \(reason)"
        case .inputSizeMismatch(let values, let shape):
            return "preprocessed input has \(values) values, the model expects \(shape.map(String.init).joined(separator: "×"))"
        }
    }
}

extension PreprocessingProfile {
    /// The profile a bundle was trained with; bundles that name none used the seed profile.
    public static func forBundle(_ parameters: VerifierParameters) throws(PreprocessingError) -> PreprocessingProfile {
        guard let description = parameters.preprocessing else { return .default }
        return try PreprocessingProfile(name: description.name, version: description.version, parameters: description.parameters)
    }
}
