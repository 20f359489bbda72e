import NeuralNet

/// The combined verdict of the three criteria.
public enum Verdict: String, Codable, Sendable {
    case valid
    case invalid
}

/// Why a batch could not be verified.
public enum VerifierError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The batch is not `[N] + input_shape` of the bundle.
    case inputShapeMismatch(expected: [Int], found: [Int])
    /// The forest could not score the latent codes (a bundle whose forest and encoder disagree).
    case forest(IsolationForestError)
    /// A criterion scored NaN or ±∞ (damaged or degenerate weights): there is no verdict to give.
    case nonFiniteScore(modelVersion: String, scores: [String])

    public var description: String {
        switch self {
        case .inputShapeMismatch(let expected, let found):
            return "verifier: input batch has shape \(found), the model expects [N, \(expected.map(String.init).joined(separator: ", "))]"
        case .forest(let error):
            return "verifier: \(error)"
        case .nonFiniteScore(let version, let scores):
            return "verifier: model \(version) produced a non-finite score (\(scores.joined(separator: ", "))); no verdict"
        }
    }
}

/// One image's verification: the three scores, the thresholds they were judged by, each criterion's
/// outcome and the model version — everything needed to audit a verdict later.
public struct Verification: Codable, Equatable, Sendable {
    /// Criterion 1: mean squared error between the input and the autoencoder's reconstruction.
    public let reconstructionError: Double
    /// Criterion 2: IsolationForest `score_samples` of the latent code (lower = more anomalous).
    public let anomalyScore: Double
    /// Criterion 3: the classifier's probability that the image is a signature.
    public let classifierConfidence: Double
    public let reconstructionThreshold: Double
    public let anomalyScoreMin: Double
    public let classifierConfidenceMin: Double
    /// `reconstructionError <= reconstructionThreshold`.
    public let reconstructionPassed: Bool
    /// `anomalyScore >= anomalyScoreMin`.
    public let anomalyPassed: Bool
    /// `classifierConfidence >= classifierConfidenceMin`.
    public let classifierPassed: Bool
    /// Valid iff all three criteria pass.
    public let verdict: Verdict
    /// The bundle's content hash.
    public let modelVersion: String

    public init(reconstructionError: Double, anomalyScore: Double, classifierConfidence: Double,
                parameters: VerifierParameters, modelVersion: String) {
        self.reconstructionError = reconstructionError
        self.anomalyScore = anomalyScore
        self.classifierConfidence = classifierConfidence
        reconstructionThreshold = parameters.reconstructionThreshold
        anomalyScoreMin = parameters.anomalyScoreMin
        classifierConfidenceMin = parameters.classifierConfidenceMin
        reconstructionPassed = reconstructionError <= reconstructionThreshold
        anomalyPassed = anomalyScore >= anomalyScoreMin
        classifierPassed = classifierConfidence >= classifierConfidenceMin
        verdict = reconstructionPassed && anomalyPassed && classifierPassed ? .valid : .invalid
        self.modelVersion = modelVersion
    }

    enum CodingKeys: String, CodingKey {
        case reconstructionError = "reconstruction_error"
        case anomalyScore = "anomaly_score"
        case classifierConfidence = "classifier_confidence"
        case reconstructionThreshold = "reconstruction_threshold"
        case anomalyScoreMin = "anomaly_score_min"
        case classifierConfidenceMin = "classifier_confidence_min"
        case reconstructionPassed = "reconstruction_passed"
        case anomalyPassed = "anomaly_passed"
        case classifierPassed = "classifier_passed"
        case verdict
        case modelVersion = "model_version"
    }
}

extension Verification {
    /// The scores that are NaN or ±∞, as `name = value`; empty for a result that is a verdict.
    public var nonFiniteScores: [String] {
        [("reconstruction_error", reconstructionError), ("anomaly_score", anomalyScore),
         ("classifier_confidence", classifierConfidence)].filter { !$0.1.isFinite }.map { "\($0.0) = \($0.1)" }
    }

    /// This result when every score is finite — otherwise the error to report (or to fail the job
    /// with) instead of recording a verdict that only says the model is broken.
    public func requireFiniteScores() throws(VerifierError) -> Verification {
        let bad = nonFiniteScores
        guard bad.isEmpty else { throw .nonFiniteScore(modelVersion: modelVersion, scores: bad) }
        return self
    }
}

/// The three-criterion verifier of SPEC §3 over a loaded bundle. Immutable after loading, so one
/// verifier can serve many threads.
public struct Verifier: Sendable {
    public let bundle: ModelBundle
    /// Images per network pass; larger batches are split to bound activation memory.
    public let maxBatch: Int

    public init(bundle: ModelBundle, maxBatch: Int = 32) {
        self.bundle = bundle
        self.maxBatch = max(1, maxBatch)
    }

    /// `[height, width, channels]` of one input image.
    public var inputShape: [Int] { bundle.parameters.inputShape }

    /// Verifies a batch `[N, H, W, 1]` of preprocessed images (Float32 in [0, 1]). The encoder runs once per
    /// image: its latent code feeds both the decoder (criterion 1) and the IsolationForest (criterion 2).
    public func verify(_ inputs: Tensor) throws(VerifierError) -> [Verification] {
        guard inputs.rank == 4, Array(inputs.shape.dropFirst()) == inputShape else {
            throw .inputShapeMismatch(expected: inputShape, found: inputs.shape)
        }
        let n = inputs.shape[0]
        guard n > 0 else { return [] }
        let perImage = inputShape.reduce(1, *)
        var results: [Verification] = []
        results.reserveCapacity(n)
        var start = 0
        while start < n {
            let count = min(maxBatch, n - start)
            let chunk = n <= maxBatch ? inputs : Tensor(
                shape: [count] + inputShape,
                storage: Array(inputs.storage[(start * perImage)..<((start + count) * perImage)]))
            results += try verifyChunk(chunk)
            start += count
        }
        return results
    }

    private func verifyChunk(_ x: Tensor) throws(VerifierError) -> [Verification] {
        let latent = bundle.autoencoder.encode(x)
        let reconstruction = bundle.autoencoder.decode(latent)
        let errors = meanSquaredErrorPerImage(x, reconstruction)
        let scores: [Double]
        do {
            scores = try bundle.forest.scoreSamples(latent)
        } catch {
            throw .forest(error)
        }
        let confidences = bundle.classifier.predict(x)
        return (0..<x.shape[0]).map { i in
            Verification(reconstructionError: Double(errors[i]), anomalyScore: scores[i],
                         classifierConfidence: Double(confidences[i]), parameters: bundle.parameters,
                         modelVersion: bundle.version)
        }
    }
}
