import Foundation
import NeuralNet
import WriterVerification

/// What a writer training run produced: the best epoch's trunk, its scorer and the threshold chosen
/// on the validation writers, and the validation figures at that threshold.
public struct WriterTrainingResult: Sendable {
    public var network: WriterNetwork
    public var scorer: WriterScorer
    public var threshold: Double
    public var bestEpoch: Int
    public var validation: WriterErrorRates
}

extension WriterTrainer {
    /// Trains on `train` (its writers are the softmax classes), validates each epoch on
    /// `validation` and returns the best epoch's network with its threshold. `log` gets one line per epoch.
    public static func run(train: PreparedWriterScans, validation: PreparedWriterScans, parameters: WriterParameters,
                           options: WriterTrainingOptions, log: (String) -> Void) throws -> WriterTrainingResult {
        let writers = Set(train.scans.filter(\.genuine).map(\.writer)).sorted()
        var trainer = try WriterTrainer(parameters: parameters, trainingWriters: writers, options: options)
        let proto = WriterProtocol(references: options.validationReferences)
        var best: (score: Double, epoch: Int, network: WriterNetwork, scorer: WriterScorer, trials: [WriterTrial])?
        for epoch in 1...options.epochs {
            let started = Date()
            trainer.optimizer.learningRate = options.learningRate(epoch: epoch)
            let losses = trainer.epoch(train, number: epoch)
            try trainer.recenter(train)
            let embeddings = try validation.embeddings(trainer.trunk)
            let scorer = WriterScorer.fitted(options.scoring, referenceSets: proto.referenceSets(validation.scans, embeddings: embeddings))
            let trials = proto.trials(validation.scans, embeddings: embeddings, score: scorer.score)
            let rates = WriterErrorRates(trials, threshold: parameters.threshold)
            let score = (rates.skilledEER ?? 1) + (rates.randomEER ?? 1)
            log(String(format: "epoch %d: writer loss %.3f, forgery loss %.3f; validation skilled EER %.3f, random EER %.3f (%.0f s)",
                       epoch, losses.writer, losses.forgery, rates.skilledEER ?? .nan, rates.randomEER ?? .nan,
                       Date().timeIntervalSince(started)))
            if best == nil || score < best!.score { best = (score, epoch, trainer.trunk, scorer, trials) }
        }
        guard let best, let threshold = WriterErrorRates.threshold(best.trials, targetFRR: options.targetFRR) else {
            throw DatasetError.empty("no validation writer with more than \(options.validationReferences) genuine signatures")
        }
        return WriterTrainingResult(network: best.network, scorer: best.scorer, threshold: threshold, bestEpoch: best.epoch,
                                    validation: WriterErrorRates(best.trials, threshold: threshold))
    }
}
