/// The bundle's `parameters.json`: input size, latent size and the three criteria's thresholds.
/// Every size the networks use comes from here, so one code path serves 224×224 and tiny bundles.
public struct VerifierParameters: Codable, Equatable, Sendable {
    /// Height, width, channels of one network input.
    public var inputShape: [Int]
    public var latentDim: Int
    /// Criterion 1: reconstruction MSE must be at most this.
    public var reconstructionThreshold: Double
    /// Criterion 2: IsolationForest `score_samples` must be at least this.
    public var anomalyScoreMin: Double
    /// Criterion 3: classifier confidence must be at least this.
    public var classifierConfidenceMin: Double
    /// Which preprocessing turned scans into this model's inputs; absent in the file means the seed profile.
    public var preprocessing: PreprocessingDescription?

    public init(inputShape: [Int], latentDim: Int, reconstructionThreshold: Double,
                anomalyScoreMin: Double = -0.5, classifierConfidenceMin: Double = 0.5,
                preprocessing: PreprocessingDescription? = nil) {
        self.inputShape = inputShape
        self.latentDim = latentDim
        self.reconstructionThreshold = reconstructionThreshold
        self.anomalyScoreMin = anomalyScoreMin
        self.classifierConfidenceMin = classifierConfidenceMin
        self.preprocessing = preprocessing
    }

    /// The preprocessing profile inputs must go through (the seed profile when the file names none).
    public var preprocessingProfile: PreprocessingDescription { preprocessing ?? .seed }

    enum CodingKeys: String, CodingKey {
        case inputShape = "input_shape"
        case latentDim = "latent_dim"
        case reconstructionThreshold = "reconstruction_threshold"
        case anomalyScoreMin = "anomaly_score_min"
        case classifierConfidenceMin = "classifier_confidence_min"
        case preprocessing
    }
}

/// Names the preprocessing a model was trained with, so a verdict is only produced from inputs prepared
/// the same way. A plain description: the Verifier does not depend on the Preprocessing module; callers
/// that do map the name and version to their implementation.
public struct PreprocessingDescription: Codable, Equatable, Hashable, Sendable {
    /// Profile name, e.g. "seed".
    public var name: String
    /// Profile revision; a change in output means a new version.
    public var version: Int
    /// Optional numeric settings of the profile, recorded for provenance.
    public var parameters: [String: Double]?

    public init(name: String, version: Int, parameters: [String: Double]? = nil) {
        self.name = name
        self.version = version
        self.parameters = parameters
    }

    /// The reference pipeline's preprocessing (SPEC §2), assumed for bundles that name none.
    public static let seed = PreprocessingDescription(name: "seed", version: 1)
}
