import Foundation

/// One epoch of one network, as written to `metrics_history.json`.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Mean training loss over the epoch's steps (data term + L2 penalties).
    public var loss: Double
    /// Loss on the held-out validation images in inference mode.
    public var valLoss: Double
    /// Learning rate used during this epoch.
    public var learningRate: Double
    /// Classifier only: share of held-out images on the right side of 0.5.
    public var valAccuracy: Double?
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, loss, seconds
        case valLoss = "val_loss"
        case learningRate = "lr"
        case valAccuracy = "val_accuracy"
    }
}

/// Per-epoch curves of both networks, and which epochs' weights were kept.
public struct TrainingHistory: Codable, Sendable, Equatable {
    public static let fileName = "metrics_history.json"

    public var autoencoder: [EpochRecord] = []
    public var classifier: [EpochRecord] = []
    public var autoencoderBestEpoch: Int?
    public var classifierBestEpoch: Int?
    /// True when early stopping (or an interrupt) ended autoencoder training before the epoch limit.
    public var autoencoderStoppedEarly = false
    public var interrupted = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case autoencoder, classifier, interrupted
        case autoencoderBestEpoch = "autoencoder_best_epoch"
        case classifierBestEpoch = "classifier_best_epoch"
        case autoencoderStoppedEarly = "autoencoder_stopped_early"
    }

    /// Reads a `metrics_history.json`.
    public static func load(from url: URL) throws -> TrainingHistory {
        try JSONDecoder().decode(TrainingHistory.self, from: Data(contentsOf: url))
    }

    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
