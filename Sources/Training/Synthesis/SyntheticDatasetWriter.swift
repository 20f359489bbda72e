import Dispatch
import Foundation
import Imaging
import NeuralNet

/// Why a synthetic data set could not be made (file problems are `OutputError`s).
public enum SynthesisError: Error, CustomStringConvertible {
    case invalidRequest(String)
    case fontsUnavailable(kinds: [NonSignatureKind], reason: String)

    public var description: String {
        switch self {
        case .invalidRequest(let why): return "invalid synthesis request: \(why)"
        case .fontsUnavailable(let kinds, let reason):
            return "the kinds \(kinds.map(\.rawValue).joined(separator: ", ")) need fonts: \(reason)"
        }
    }
}

/// What to synthesise: counts, kinds, seed and sizes.
public struct SynthesisRequest: Sendable {
    public var validCount: Int
    public var invalidCount: Int
    /// DIR: images go to DIR/valid/ and DIR/invalid/.
    public var outputDirectory: String
    public var seed: UInt64
    /// Kinds drawn uniformly, one per invalid image.
    public var kinds: [NonSignatureKind]
    /// Kinds drawn uniformly, one per valid image (the reference: Bézier only).
    public var signatureKinds: [SignatureKind]
    /// Also write the reference's five augmented copies of every signature.
    public var augment: Bool
    public var config: SynthesisConfig
    /// Worker threads (each with its own fonts); images are identical for any count.
    public var threads: Int

    public init(validCount: Int, invalidCount: Int, outputDirectory: String, seed: UInt64,
                kinds: [NonSignatureKind] = NonSignatureKind.allCases, signatureKinds: [SignatureKind] = [.bezier],
                augment: Bool = false,
                config: SynthesisConfig = SynthesisConfig(), threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.validCount = validCount
        self.invalidCount = invalidCount
        self.outputDirectory = outputDirectory
        self.seed = seed
        self.kinds = kinds
        self.signatureKinds = signatureKinds
        self.augment = augment
        self.config = config
        self.threads = threads
    }
}

/// What was written.
public struct SynthesisSummary: Sendable, Equatable {
    public var validImages: Int
    public var augmentedImages: Int
    public var invalidByKind: [NonSignatureKind: Int]
    public var validByKind: [SignatureKind: Int]
    public var seconds: Double

    public var invalidImages: Int { invalidByKind.values.reduce(0, +) }
    public var totalImages: Int { validImages + augmentedImages + invalidImages }
}

/// Writes a synthetic training set as PNG files. Image *i* of each class is drawn from its own
/// random stream (`SeededGenerator(seed:stream:index:)`), so the set is the same for any thread
/// count and any image can be regenerated alone. File names:
/// `valid/<kind>_000042.png` (+ `_grid5`, `_grid7`, `_grid9`, `_grid12`, `_combined` with
/// augmentation) and `invalid/<kind>_000042.png`.
public enum SyntheticDatasetWriter {
    static let validStream: UInt64 = 1
    static let invalidStream: UInt64 = 2
    static let copySuffixes = ["grid5", "grid7", "grid9", "grid12", "combined"]

    /// The kind of invalid image `index`: uniform over `kinds`, from the image's own stream.
    public static func kind(ofInvalid index: Int, seed: UInt64, kinds: [NonSignatureKind]) -> NonSignatureKind {
        var rng = SeededGenerator(seed: seed, stream: invalidStream, index: UInt64(index))
        return rng.pick(kinds)
    }

    /// Valid image `index` (and its augmented copies when asked), exactly as `write` makes it.
    public static func valid(_ index: Int, seed: UInt64, kinds: [SignatureKind] = [.bezier], synthesizer: Synthesizer,
                             augment: Bool) -> (SignatureKind, [GrayImage]) {
        var rng = SeededGenerator(seed: seed, stream: validStream, index: UInt64(index))
        let kind = rng.pick(kinds)
        let image = synthesizer.signature(kind, using: &rng)
        return (kind, augment ? [image] + Augment.referenceCopies(of: image, using: &rng) : [image])
    }

    /// Invalid image `index`, exactly as `write` makes it.
    public static func invalid(_ index: Int, seed: UInt64, kinds: [NonSignatureKind],
                               synthesizer: Synthesizer) throws -> (NonSignatureKind, GrayImage) {
        var rng = SeededGenerator(seed: seed, stream: invalidStream, index: UInt64(index))
        let kind = rng.pick(kinds)
        return (kind, try synthesizer.nonSignature(kind, using: &rng))
    }

    /// Generates and writes everything; `progress` gets the number of finished items (valid and
    /// invalid images, copies counted with their original), from any thread.
    public static func write(_ request: SynthesisRequest,
                             progress: (@Sendable (Int) -> Void)? = nil) throws -> SynthesisSummary {
        guard request.validCount >= 0, request.invalidCount >= 0 else {
            throw SynthesisError.invalidRequest("counts must not be negative")
        }
        guard request.invalidCount == 0 || !request.kinds.isEmpty else {
            throw SynthesisError.invalidRequest("no non-signature kinds selected")
        }
        guard request.validCount == 0 || !request.signatureKinds.isEmpty else {
            throw SynthesisError.invalidRequest("no signature kinds selected")
        }
        let needFonts = request.invalidCount > 0 ? request.kinds.filter(\.needsFonts) : []
        if !needFonts.isEmpty {
            do { _ = try FontLibrary() } catch {
                throw SynthesisError.fontsUnavailable(kinds: needFonts, reason: "\(error)")
            }
        }
        let validDir = (request.outputDirectory as NSString).appendingPathComponent("valid")
        let invalidDir = (request.outputDirectory as NSString).appendingPathComponent("invalid")
        for dir in [validDir, invalidDir] { try OutputFiles.makeDirectory(dir) }
        let start = Date()
        let total = request.validCount + request.invalidCount
        let threads = max(1, min(request.threads, max(1, total)))
        let state = SharedState()
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let synthesizer = Synthesizer(config: request.config)
            var item = worker
            while item < total, !state.failed {
                do {
                    if item < request.validCount {
                        let (kind, images) = valid(item, seed: request.seed, kinds: request.signatureKinds,
                                                   synthesizer: synthesizer, augment: request.augment)
                        let base = kind.rawValue + "_" + number(item)
                        for (k, image) in images.enumerated() {
                            let name = k == 0 ? base : base + "_" + copySuffixes[k - 1]
                            try OutputFiles.writePNG(image, to: (validDir as NSString).appendingPathComponent(name + ".png"))
                        }
                        state.record(valid: 1, copies: images.count - 1, kind: nil, signatureKind: kind)
                    } else {
                        let i = item - request.validCount
                        let (kind, image) = try invalid(i, seed: request.seed, kinds: request.kinds, synthesizer: synthesizer)
                        try OutputFiles.writePNG(image, to: (invalidDir as NSString).appendingPathComponent("\(kind.rawValue)_\(number(i)).png"))
                        state.record(valid: 0, copies: 0, kind: kind, signatureKind: nil)
                    }
                    progress?(state.done)
                } catch {
                    state.fail(error)
                }
                item += threads
            }
        }
        if let error = state.error { throw error }
        var summary = state.summary
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    static func number(_ i: Int) -> String {
        let s = String(i)
        return s.count >= 6 ? s : String(repeating: "0", count: 6 - s.count) + s
    }
}

/// Counters and the first error, shared by the worker threads under a lock.
private final class SharedState: @unchecked Sendable {
    private let lock = NSLock()
    private var _summary = SynthesisSummary(validImages: 0, augmentedImages: 0, invalidByKind: [:], validByKind: [:], seconds: 0)
    private var _done = 0
    private var _error: Error?

    func record(valid: Int, copies: Int, kind: NonSignatureKind?, signatureKind: SignatureKind?) {
        lock.lock(); defer { lock.unlock() }
        if let signatureKind { _summary.validByKind[signatureKind, default: 0] += 1 }
        _summary.validImages += valid
        _summary.augmentedImages += copies
        if let kind { _summary.invalidByKind[kind, default: 0] += 1 }
        _done += 1
    }

    func fail(_ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if _error == nil { _error = error }
    }

    var done: Int { lock.lock(); defer { lock.unlock() }; return _done }
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return _error != nil }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return _error }
    var summary: SynthesisSummary { lock.lock(); defer { lock.unlock() }; return _summary }
}
