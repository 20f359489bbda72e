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

    public init(inputShape: [Int], latentDim: Int, reconstructionThreshold: Double,
                anomalyScoreMin: Double = -0.5, classifierConfidenceMin: Double = 0.5) {
        self.inputShape = inputShape
        self.latentDim = latentDim
        self.reconstructionThreshold = reconstructionThreshold
        self.anomalyScoreMin = anomalyScoreMin
        self.classifierConfidenceMin = classifierConfidenceMin
    }

    enum CodingKeys: String, CodingKey {
        case inputShape = "input_shape"
        case latentDim = "latent_dim"
        case reconstructionThreshold = "reconstruction_threshold"
        case anomalyScoreMin = "anomaly_score_min"
        case classifierConfidenceMin = "classifier_confidence_min"
    }
}
