import Foundation

/// `writer.json`: what the writer network is and how its input is made. Input `height`×`width`,
/// the `clean` preprocessing profile's numbers, the trunk's convolution widths, the embedding size
/// and the decision threshold on `matchScore`.
public struct WriterParameters: Codable, Sendable, Equatable {
    public static let currentFormat = "sigverify-writer-model/1"
    /// The largest input side and widths accepted from a file, so an edited `writer.json` cannot
    /// make loading allocate without bound (the weight shapes are checked against these first).
    static let maxSide = 512
    static let maxWidth = 1024

    public var format: String
    public var inputHeight: Int
    public var inputWidth: Int
    /// Overrides of the `clean` profile's parameters (empty: its defaults).
    public var preprocessing: [String: Double]
    /// Output channels of each 3×3 convolution block (conv → 2×2 max-pool → batch norm).
    public var convolutionChannels: [Int]
    public var embeddingSize: Int
    /// Match when `matchScore ≥ threshold` (chosen on validation writers).
    public var threshold: Double
    /// How `matchScore` scores (absent from bundles written before it existed: `meanCosine`).
    public var scoring: WriterScoring
    /// The references' mean cosine among themselves that `relativeToReferences` assumes for a subject
    /// with one reference (the mean over the validation writers'; 0 when absent).
    public var typicalLikeness: Double
    /// Free-form record of how the bundle was trained (writers, epochs, split); not used to score.
    public var training: [String: String]

    public init(inputHeight: Int = 64, inputWidth: Int = 128, preprocessing: [String: Double] = [:],
                convolutionChannels: [Int] = [16, 32, 64, 128], embeddingSize: Int = 256, threshold: Double = 0.5,
                scorer: WriterScorer = WriterScorer(scoring: .relativeToReferences), training: [String: String] = [:]) {
        format = Self.currentFormat
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.preprocessing = preprocessing
        self.convolutionChannels = convolutionChannels
        self.embeddingSize = embeddingSize
        self.threshold = threshold
        (scoring, typicalLikeness) = (scorer.scoring, scorer.typicalLikeness)
        self.training = training
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        inputHeight = try c.decode(Int.self, forKey: .inputHeight)
        inputWidth = try c.decode(Int.self, forKey: .inputWidth)
        preprocessing = try c.decode([String: Double].self, forKey: .preprocessing)
        convolutionChannels = try c.decode([Int].self, forKey: .convolutionChannels)
        embeddingSize = try c.decode(Int.self, forKey: .embeddingSize)
        threshold = try c.decode(Double.self, forKey: .threshold)
        scoring = try c.decodeIfPresent(WriterScoring.self, forKey: .scoring) ?? .meanCosine
        typicalLikeness = try c.decodeIfPresent(Double.self, forKey: .typicalLikeness) ?? 0
        training = try c.decode([String: String].self, forKey: .training)
    }

    enum CodingKeys: String, CodingKey {
        case format, preprocessing, threshold, scoring, training
        case typicalLikeness = "typical_reference_likeness"
        case inputHeight = "input_height", inputWidth = "input_width"
        case convolutionChannels = "convolution_channels", embeddingSize = "embedding_size"
    }

    /// The feature map after the last pooling: each block halves both sides.
    var featureSize: (height: Int, width: Int) {
        let shift = convolutionChannels.count
        return (inputHeight >> shift, inputWidth >> shift)
    }

    /// Why these parameters cannot be built, or nil.
    var problem: String? {
        if format != Self.currentFormat { return "format \(format) is not \(Self.currentFormat)" }
        if !(8...Self.maxSide).contains(inputHeight) || !(8...Self.maxSide).contains(inputWidth) {
            return "input \(inputHeight)×\(inputWidth) is outside 8…\(Self.maxSide)"
        }
        if convolutionChannels.isEmpty || !convolutionChannels.allSatisfy({ (1...Self.maxWidth).contains($0) }) {
            return "convolution_channels \(convolutionChannels) must be 1…\(Self.maxWidth) each"
        }
        if featureSize.height < 1 || featureSize.width < 1 { return "input too small for \(convolutionChannels.count) poolings" }
        if !(1...Self.maxWidth).contains(embeddingSize) { return "embedding_size \(embeddingSize) is outside 1…\(Self.maxWidth)" }
        if !threshold.isFinite || !(0...1).contains(threshold) { return "threshold \(threshold) is not in [0, 1]" }
        if !typicalLikeness.isFinite || !(-1...1).contains(typicalLikeness) {
            return "typical_reference_likeness \(typicalLikeness) is not in [−1, 1]"
        }
        return nil
    }
}
