import Foundation
import WriterVerification

/// A whole writer-model training run from a listing: read it, keep the train and validation
/// writers (minus any held-out datasets), preprocess once, train, and write the bundle.
public struct WriterTrainingRun: Sendable {
    public var listing: String
    public var scanRoot: String?
    /// Datasets left out of training and validation entirely (measured as unseen collections).
    public var excludedDatasets: Set<String> = []
    public var parameters = WriterParameters()
    public var options = WriterTrainingOptions()

    public init(listing: String, scanRoot: String?) {
        self.listing = listing
        self.scanRoot = scanRoot
    }

    /// Trains and writes the bundle to `output`; returns it as loaded back, with the run's figures.
    public func run(to output: URL, log: (String) -> Void) throws -> (model: WriterModel, result: WriterTrainingResult) {
        let scans = try WriterListing.read(listing, root: scanRoot)
            .filter { !excludedDatasets.contains($0.dataset) && ($0.role == .train || $0.role == .validation) }
        let started = Date()
        let (prepared, skipped) = PreparedWriterScans.prepare(scans, preprocessing: try WriterPreprocessing(parameters: parameters))
        skipped.forEach { log($0.description) }
        let train = prepared.only(.train), validation = prepared.only(.validation)
        log(String(format: "preprocessed %d scans in %.0f s: %d train (%d writers), %d validation (%d writers)",
                   prepared.scans.count, Date().timeIntervalSince(started), train.scans.count,
                   Set(train.scans.map(\.writer)).count, validation.scans.count, Set(validation.scans.map(\.writer)).count))
        let result = try WriterTrainer.run(train: train, validation: validation, parameters: parameters, options: options, log: log)
        var saved = parameters
        saved.threshold = result.threshold
        (saved.scoring, saved.typicalLikeness) = (result.scorer.scoring, result.scorer.typicalLikeness)
        saved.training = trainingRecord(result, trainWriters: Set(train.scans.map(\.writer)).count)
        return (try WriterModel.write(result.network, parameters: saved, to: output), result)
    }

    private func trainingRecord(_ result: WriterTrainingResult, trainWriters: Int) -> [String: String] {
        [
            "listing": (listing as NSString).lastPathComponent,
            "excluded_datasets": excludedDatasets.sorted().joined(separator: ","),
            "training_writers": "\(trainWriters)",
            "epochs": "\(options.epochs)", "best_epoch": "\(result.bestEpoch)",
            "forgery_weight": "\(options.forgeryWeight)", "seed": "\(options.seed)",
            "jitter": "shift \(options.jitter.maxShift) px, scale \(options.jitter.maxScale), rotation \(options.jitter.maxRotation) degrees",
            "threshold_rule": "highest with validation FRR <= \(options.targetFRR) at \(options.validationReferences) references",
            "validation_skilled_eer": result.validation.skilledEER.map { String(format: "%.4f", $0) } ?? "-",
            "validation_random_eer": result.validation.randomEER.map { String(format: "%.4f", $0) } ?? "-",
        ]
    }
}
