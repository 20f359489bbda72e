import Dispatch
import Foundation
import Imaging
import NeuralNet
import Preprocessing

/// Preprocessed network inputs with their labels, held as one contiguous Float buffer
/// (`count × height × width`, row-major) so batches are plain slices.
public struct PreparedSamples: Sendable {
    public let height: Int
    public let width: Int
    public private(set) var inputs: [Float] = []
    public private(set) var labels: [SampleLabel] = []
    /// Where each sample came from (folder name, LABELS.tsv source, or `synthetic-<kind>`): per-source metrics.
    public private(set) var sources: [String] = []
    /// The original each sample derives from (augmented copies share their original's group; real
    /// scans are grouped by writer when known): splits keep a group on one side.
    public private(set) var groups: [String] = []
    /// The file (or synthetic item name) each sample came from.
    public private(set) var names: [String] = []
    /// The part of a recorded split each sample's file belongs to (nil: the trainer's own split decides).
    public private(set) var roles: [DataRole?] = []
    /// Whether each sample is an augmented copy rather than an original image.
    public private(set) var isCopy: [Bool] = []

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    public var count: Int { labels.count }
    public var pixelsPerSample: Int { height * width }

    /// Appends one preprocessed input (`height × width` values in [0, 1]).
    public mutating func append(_ input: [Float], label: SampleLabel, source: String, group: String, name: String,
                                role: DataRole? = nil, isCopy: Bool = false) {
        precondition(input.count == pixelsPerSample, "PreparedSamples: input of \(input.count) values, expected \(pixelsPerSample)")
        inputs += input
        labels.append(label)
        sources.append(source)
        groups.append(group)
        names.append(name)
        roles.append(role)
        self.isCopy.append(isCopy)
    }

    /// The samples at `indices` as a batch `[n, height, width, 1]`.
    public func batch(_ indices: some Collection<Int>) -> Tensor {
        let per = pixelsPerSample
        var out = [Float](repeating: 0, count: indices.count * per)
        out.withUnsafeMutableBufferPointer { dst in
            inputs.withUnsafeBufferPointer { src in
                for (k, i) in indices.enumerated() {
                    dst.baseAddress!.advanced(by: k * per).update(from: src.baseAddress!.advanced(by: i * per), count: per)
                }
            }
        }
        return Tensor(shape: [indices.count, height, width, 1], storage: out)
    }

    /// Indices of the samples with `label`, among `indices` (all samples when nil).
    public func indices(of label: SampleLabel, among indices: [Int]? = nil) -> [Int] {
        (indices ?? Array(0..<count)).filter { labels[$0] == label }
    }
}

/// Builds the training samples: decodes labelled files (skipping unreadable ones with a warning),
/// generates the synthetic images, adds augmented copies of valid images and preprocesses everything
/// with the run's profile — spread over `configuration.threads` workers, with a result that does not
/// depend on the thread count (each item draws from its own seeded stream and keeps its place).
public enum TrainingDataBuilder {
    /// Random streams of the pieces of a run (see `SeededGenerator(seed:stream:index:)`).
    static let realAugmentationStream: UInt64 = 11
    static let handwritingStream: UInt64 = 12

    public static func build(files: [LabeledFile], configuration c: TrainingConfiguration,
                             warn: @escaping @Sendable (String) -> Void = { _ in },
                             progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in })
        -> (samples: PreparedSamples, skipped: [SkippedFile])
    {
        let firstHandwriting = files.count + c.syntheticValid + c.syntheticInvalid
        let total = firstHandwriting + c.handwritingLineCount
        let pools = HandwritingPools(files)
        let results = ResultSlots(count: total)
        let workers = max(1, min(c.threads, total))
        let size = c.inputSize
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let synthesizer = Synthesizer(config: c.synthesis)
            var item = worker
            while item < total {
                let made = item < firstHandwriting
                    ? makeItem(item, files: files, configuration: c, synthesizer: synthesizer, size: size)
                    : makeHandwritingItem(item - firstHandwriting, pools: pools, configuration: c, size: size)
                results.set(item, made)
                progress(results.finished, total)
                item += workers
            }
        }
        var samples = PreparedSamples(height: size, width: size)
        var skipped: [SkippedFile] = []
        for case let result? in results.values {
            switch result {
            case .samples(let list):
                for s in list {
                    samples.append(s.input, label: s.label, source: s.source, group: s.group, name: s.name, role: s.role,
                                   isCopy: s.isCopy)
                }
            case .skipped(let s):
                skipped.append(s)
                warn(s.description)
            }
        }
        return (samples, skipped)
    }

    private struct Sample: Sendable {
        var input: [Float]
        var label: SampleLabel
        var source: String
        var group: String
        var name: String
        var role: DataRole?
        var isCopy: Bool
    }

    private enum ItemResult: Sendable {
        case samples([Sample])
        case skipped(SkippedFile)
    }

    private static func makeItem(_ item: Int, files: [LabeledFile], configuration c: TrainingConfiguration,
                                 synthesizer: Synthesizer, size: Int) -> ItemResult {
        do {
            let images: [GrayImage]
            let label: SampleLabel, source: String, group: String, name: String
            var role: DataRole?
            if item < files.count {
                let file = files[item]
                var out: [ItemResult] = []
                let decoder = ImageDecoder(options: c.profile.decodeOptions(DecodeOptions(), width: size, height: size))
                let loaded = DatasetLoader.load([file], decoder: decoder) { $0 }
                if let skip = loaded.skipped.first { out.append(.skipped(skip)) }
                guard let image = loaded.samples.first?.value else { return out.first! }
                var rng = SeededGenerator(seed: c.seed, stream: realAugmentationStream, index: UInt64(item))
                images = [image] + copies(of: image, label: file.label, configuration: c, using: &rng)
                (label, source, name) = (file.label, file.source, file.path)
                group = file.writer.map { "writer:\(file.source)/\($0)" } ?? "file:\(file.path)"
                role = file.role
            } else if item < files.count + c.syntheticValid {
                let i = item - files.count
                let (kind, made) = SyntheticDatasetWriter.valid(i, seed: c.seed, kinds: c.syntheticSignatureKinds,
                                                                synthesizer: synthesizer, augment: c.augmentValid)
                images = made
                (label, source, name) = (.valid, "synthetic-\(kind.rawValue)", "synthetic-\(kind.rawValue)-\(i)")
                group = name
            } else {
                let i = item - files.count - c.syntheticValid
                let (kind, image) = try SyntheticDatasetWriter.invalid(i, seed: c.seed, kinds: c.syntheticKinds,
                                                                      synthesizer: synthesizer)
                images = [image]
                (label, source, name) = (.invalid, "synthetic-\(kind.rawValue)", "synthetic-\(kind.rawValue)-\(i)")
                group = name
            }
            var samples: [Sample] = []
            for (k, image) in images.enumerated() {
                let input = try c.profile.run(image, width: size, height: size).input
                samples.append(Sample(input: input, label: label, source: source, group: group,
                                      name: k == 0 ? name : "\(name)#copy\(k)", role: role, isCopy: k > 0))
            }
            return .samples(samples)
        } catch {
            let name = item < files.count ? files[item].path : "synthetic item \(item - files.count)"
            return .skipped(SkippedFile(path: name, reason: "\(error)"))
        }
    }

    /// The real signature files handwriting lines are composed from, by the part of the split they
    /// belong to (validation composites from validation files only, so no validation writer's ink is
    /// trained on).
    private struct HandwritingPools: Sendable {
        var train: [LabeledFile] = []
        var validation: [LabeledFile] = []

        init(_ files: [LabeledFile]) {
            for file in files where file.label == .valid {
                switch file.role {
                case .validation?: validation.append(file)
                case .test?: continue
                case .train?, nil: train.append(file)
                }
            }
        }
    }

    /// Handwriting-line non-signature `index`: every sixth from the validation pool (when it has
    /// files), the rest from the training pool.
    private static func makeHandwritingItem(_ index: Int, pools: HandwritingPools, configuration c: TrainingConfiguration,
                                            size: Int) -> ItemResult {
        let name = "handwriting-line-\(index)"
        let fromValidation = index % 6 == 5 && pools.validation.count >= HandwritingLines.wordsPerLine.lowerBound
        let pool = fromValidation ? pools.validation : pools.train
        guard pool.count >= HandwritingLines.wordsPerLine.lowerBound else {
            return .skipped(SkippedFile(path: name, reason: "too few real signature files to compose a line from"))
        }
        var rng = SeededGenerator(seed: c.seed, stream: handwritingStream, index: UInt64(index))
        let picked = (0..<min(pool.count, HandwritingLines.maximumWords)).map { _ in rng.pick(pool) }
        let words = DatasetLoader.load(picked) { $0 }.samples.map(\.value)
        guard let image = HandwritingLines.compose(words, using: &rng) else {
            return .skipped(SkippedFile(path: name, reason: "too few of its words have ink"))
        }
        do {
            let input = try c.profile.run(image, width: size, height: size).input
            return .samples([Sample(input: input, label: .invalid, source: "handwriting-lines", group: name, name: name,
                                    role: fromValidation ? .validation : .train, isCopy: false)])
        } catch {
            return .skipped(SkippedFile(path: name, reason: "\(error)"))
        }
    }

    /// What one real file adds besides itself: a signature's reference copies (`augmentValid`) and
    /// scan-condition copies, a non-signature's page crops.
    private static func copies<G: RandomNumberGenerator>(of image: GrayImage, label: SampleLabel,
                                                        configuration c: TrainingConfiguration,
                                                        using rng: inout G) -> [GrayImage] {
        guard label == .valid else { return PageCrops.crops(of: image, count: c.cropCopies, using: &rng) }
        let reference = c.augmentValid ? Augment.referenceCopies(of: image, using: &rng) : []
        return reference + (0..<c.scanCopies).map { _ in ScanConditions.copy(of: image, using: &rng) }
    }

    /// Per-item results written from several workers (each slot by exactly one).
    private final class ResultSlots: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [ItemResult?]
        private var done = 0

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func set(_ i: Int, _ value: ItemResult) {
            lock.lock()
            slots[i] = value
            done += 1
            lock.unlock()
        }

        var finished: Int {
            lock.lock()
            defer { lock.unlock() }
            return done
        }

        var values: [ItemResult?] {
            lock.lock()
            defer { lock.unlock() }
            return slots
        }
    }
}
