import Foundation

/// One epoch of one network.
public struct EpochRecord: Sendable, Equatable {
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
}

/// The epochs of a run and which epochs' weights were kept; written as `metrics_history.json` in
/// the evaluation report's `MetricsHistory` format, so `sigverify evaluate` can draw the curves.
public struct TrainingHistory: Sendable, Equatable {
    public static let fileName = "metrics_history.json"

    public var autoencoder: [EpochRecord] = []
    public var classifier: [EpochRecord] = []
    /// 1-based epochs whose weights the bundle holds.
    public var autoencoderBestEpoch: Int?
    public var classifierBestEpoch: Int?
    /// True when Ctrl-C ended training early.
    public var interrupted = false

    public init() {}

    /// Per network: `loss`, `val_loss`, `learning_rate` (and the classifier's `val_accuracy`) per epoch.
    public var metrics: MetricsHistory {
        func network(_ name: String, _ records: [EpochRecord]) -> MetricsHistory.Network {
            var series = ["loss": records.map(\.loss), "val_loss": records.map(\.valLoss),
                          "learning_rate": records.map(\.learningRate)]
            let accuracy = records.compactMap(\.valAccuracy)
            if accuracy.count == records.count, !accuracy.isEmpty { series["val_accuracy"] = accuracy }
            return MetricsHistory.Network(name: name, series: series)
        }
        return MetricsHistory(networks: [network("autoencoder", autoencoder), network("classifier", classifier)])
    }

    func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(metrics).write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
    }
}
