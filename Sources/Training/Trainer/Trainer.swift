import Dispatch
import Foundation
import NeuralNet
import Preprocessing
import Verifier

/// The network a training step belongs to.
public enum TrainingPhase: String, Sendable {
    case autoencoder, classifier
}

/// What a training run reports while it runs (the CLI draws progress bars from these).
public enum TrainingEvent: Sendable {
    case note(String)
    case step(phase: TrainingPhase, epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double)
    case epoch(phase: TrainingPhase, epochs: Int, record: EpochRecord, improved: Bool)
}

/// Held-out figures of a criterion or of the combined verdict.
public struct HeldOutEvaluation: Sendable, Codable, Equatable {
    public var verdict: DecisionMetrics
    public var reconstruction: DecisionMetrics
    public var anomaly: DecisionMetrics
    public var classifier: DecisionMetrics
}

/// The result of a training run.
public struct TrainingSummary: Sendable {
    public var parameters: VerifierParameters
    public var modelVersion: String
    public var history: TrainingHistory
    /// The combined verdict and each criterion alone on the held-out validation images.
    public var heldOut: HeldOutEvaluation
    public var trainCount: Int
    public var heldOutCount: Int
    /// Notes about the calibration (e.g. a criterion whose goals conflicted).
    public var calibrationNotes: [String]
    /// Criteria that decided no verdict on the validation images (`EvaluationReport.idleCriteria`).
    public var idleCriteria: [String]
}

/// Trains a model bundle (SPEC §3–4 with the recipe of `TrainingConfiguration`):
/// 1. a writer/original-disjoint split holds out `validationFraction` of each class;
/// 2. the autoencoder trains on the valid training images with random pose changes applied to the
///    input only (target = original), early stopping with the best weights restored and the learning
///    rate reduced on plateaus;
/// 3. the IsolationForest is fitted on the encoder latents of the valid training images;
/// 4. the classifier trains on both classes (the split is stratified and shuffled);
/// 5. thresholds are set by the recipe (`seed`: mean + 2·std, −0.5, 0.5; `calibrated`: on held-out data);
/// 6. the bundle is written atomically (temporary folder, then rename) after each improving
///    classifier epoch, so an interrupted run leaves the last complete bundle.
public struct Trainer: Sendable {
    public let configuration: TrainingConfiguration

    /// Random streams of the pieces of a run.
    static let splitStream: UInt64 = 21
    static let shuffleStream: UInt64 = 22
    static let affineStream: UInt64 = 23
    static let classifierAffineStream: UInt64 = 24

    public init(configuration: TrainingConfiguration) {
        self.configuration = configuration
    }

    /// Runs the whole pipeline on prepared samples and writes the bundle (plus `metrics_history.json`)
    /// to `output`. `shouldStop` is polled after every step: once it returns true the current phase
    /// ends with its best weights, the classifier gets at most one epoch, and the bundle is written.
    public func train(samples: PreparedSamples, output: URL,
                      events: (TrainingEvent) -> Void = { _ in },
                      shouldStop: () -> Bool = { false }) throws(TrainingError) -> TrainingSummary {
        let c = configuration
        try c.validate()
        guard samples.height == c.inputSize, samples.width == c.inputSize else {
            throw .invalidConfiguration("samples are \(samples.width)×\(samples.height), input size is \(c.inputSize)")
        }
        let split = split(samples)
        let trainValid = samples.indices(of: .valid, among: split.train)
        let heldValid = samples.indices(of: .valid, among: split.heldOut)
        guard trainValid.count >= 2, !heldValid.isEmpty else {
            throw .notEnoughData("\(trainValid.count) valid training and \(heldValid.count) held-out valid images "
                + "(need at least 2 and 1; add valid scans or --synthetic-valid)")
        }
        events(.note("\(split.train.count) training images (\(trainValid.count) valid), "
            + "\(split.heldOut.count) held out (\(heldValid.count) valid)"))

        var parameters = VerifierParameters(
            inputShape: [c.inputSize, c.inputSize, 1], latentDim: c.latentDim, reconstructionThreshold: 0,
            preprocessing: PreprocessingDescription(name: c.profile.name, version: c.profile.version,
                                                    parameters: c.profile.parameters))
        var history = TrainingHistory()

        // 2. Autoencoder
        var autoencoder: Autoencoder
        var classifier: Classifier
        do {
            autoencoder = try Autoencoder(parameters: parameters, seed: c.seed)
            classifier = try Classifier(parameters: parameters, seed: c.seed &+ 1)
        } catch {
            throw .invalidConfiguration("\(error)")
        }
        var stopped = false
        (autoencoder, history.autoencoderBestEpoch) = trainAutoencoder(
            autoencoder, samples: samples, train: trainValid, validation: heldValid, history: &history.autoencoder,
            events: events, shouldStop: { stopped = stopped || shouldStop(); return stopped })

        // 3. IsolationForest on the latents of the valid training images
        events(.note("fitting the IsolationForest on \(trainValid.count) latents"))
        let latents = encodeAll(autoencoder, samples: samples, indices: trainValid)
        let forest: IsolationForest
        do {
            forest = try IsolationForest.fit(latents, seed: c.seed &+ 2)
        } catch {
            throw .calibration("IsolationForest: \(error)")
        }

        // 4. Classifier, with a complete bundle written after each improving epoch
        let work = Self.partialFolder(for: output)
        var latest: TrainingSummary?
        var checkpointError: TrainingError?
        classifier = trainClassifier(classifier, samples: samples, train: split.train, validation: split.heldOut,
                                     epochs: stopped ? 1 : c.classifierEpochs, history: &history.classifier,
                                     bestEpoch: &history.classifierBestEpoch, events: events,
                                     shouldStop: shouldStop) { [history] best, classifierEpochs in
            var historySoFar = history
            historySoFar.classifier = classifierEpochs
            do {
                latest = try finish(autoencoder: autoencoder, classifier: best, forest: forest, parameters: &parameters,
                                    samples: samples, split: split, trainValid: trainValid, history: historySoFar,
                                    work: work, output: output)
                events(.note("checkpoint written: \(output.path) (version \(latest!.modelVersion))"))
            } catch let error as TrainingError {
                checkpointError = error
            } catch {
                checkpointError = .bundle("\(error)")
            }
        }
        if let checkpointError { throw checkpointError }
        history.interrupted = stopped || shouldStop()
        guard var summary = latest else { throw .bundle("no classifier epoch finished") }
        summary.history = history
        do {
            try history.write(to: output)
        } catch {
            throw .bundle("\(output.path)/\(TrainingHistory.fileName): \(error)")
        }
        return summary
    }

    /// The run's training / validation split. Samples whose file names its part (`DataRole`, from a
    /// recorded split) go there; the rest are split group-disjoint (an original and its augmented
    /// copies, or a writer's scans, stay on one side), `validationFraction` of each class held out,
    /// fixed by the seed. Test samples never reach the trainer (`train` leaves them out); any that do
    /// are treated as validation, never trained on.
    public func split(_ samples: PreparedSamples) -> SplitIndices {
        let free = samples.roles.indices.filter { samples.roles[$0] == nil }
        var rng = SeededGenerator(seed: configuration.seed, stream: Self.splitStream, index: 0)
        let drawn = DataSplit.groupDisjoint(labels: free.map { samples.labels[$0] }, groups: free.map { samples.groups[$0] },
                                            heldOutFraction: configuration.validationFraction, using: &rng)
        var train = drawn.train.map { free[$0] }, heldOut = drawn.heldOut.map { free[$0] }
        for (i, role) in samples.roles.enumerated() {
            switch role {
            case .train?: train.append(i)
            case .validation?, .test?: heldOut.append(i)
            case nil: break
            }
        }
        return SplitIndices(train: train, heldOut: heldOut)
    }

    // MARK: Autoencoder

    /// Returns the best epoch's weights and that epoch (1-based).
    private func trainAutoencoder(_ initial: Autoencoder, samples: PreparedSamples, train: [Int], validation: [Int],
                                  history: inout [EpochRecord], events: (TrainingEvent) -> Void,
                                  shouldStop: () -> Bool) -> (Autoencoder, Int?) {
        let c = configuration
        var model = initial
        var adam = Adam(learningRate: Float(c.autoencoderLearningRate))
        var learningRate = c.autoencoderLearningRate
        var stopping = EarlyStopping<Autoencoder>(patience: c.earlyStoppingPatience)
        var plateau = ReduceLROnPlateau(factor: c.plateauFactor, patience: c.plateauPatience, minLR: c.minimumLearningRate)
        let steps = (train.count + c.batchSize - 1) / c.batchSize
        var order = train
        epochs: for epoch in 1...c.autoencoderEpochs {
            let start = Date()
            var shuffle = SeededGenerator(seed: c.seed, stream: Self.shuffleStream, index: UInt64(epoch))
            shuffle.shuffle(&order)
            adam.learningRate = Float(learningRate)
            var lossSum = 0.0, seen = 0
            for step in 0..<steps {
                let idx = Array(order[(step * c.batchSize)..<min(order.count, (step + 1) * c.batchSize)])
                let target = samples.batch(idx)
                let input = augmentedInputs(target, stream: Self.affineStream, epoch: epoch, firstPosition: step * c.batchSize)
                let loss = model.computeGradients(input: input, target: target)
                model.applyGradients(&adam)
                lossSum += Double(loss.totalLoss) * Double(idx.count)
                seen += idx.count
                events(.step(phase: .autoencoder, epoch: epoch, epochs: c.autoencoderEpochs, step: step + 1,
                             steps: steps, loss: lossSum / Double(seen)))
                if shouldStop() { break }
            }
            let valLoss = autoencoderLoss(model, samples: samples, indices: validation)
            let record = EpochRecord(epoch: epoch, loss: lossSum / Double(max(seen, 1)), valLoss: valLoss,
                                     learningRate: learningRate, valAccuracy: nil,
                                     seconds: Date().timeIntervalSince(start))
            history.append(record)
            let stop = stopping.update(epoch: epoch - 1, value: valLoss) { model }
            events(.epoch(phase: .autoencoder, epochs: c.autoencoderEpochs, record: record,
                          improved: stopping.bestEpoch == epoch - 1))
            learningRate = plateau.update(value: valLoss, learningRate: learningRate)
            if stop || shouldStop() { break epochs }
        }
        return (stopping.bestWeights ?? model, stopping.bestEpoch.map { $0 + 1 })
    }

    /// The batch with an independent random pose change per image (Keras `ImageDataGenerator`
    /// ranges), drawn from a stream fixed by (seed, stream, epoch, position) and spread over the workers.
    private func augmentedInputs(_ batch: Tensor, stream: UInt64, epoch: Int, firstPosition: Int) -> Tensor {
        let (n, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2])
        let c = configuration
        var out = batch
        let per = h * w
        out.storage.withUnsafeMutableBufferPointer { dst in
            let target = SendablePointer(dst.baseAddress!)
            batch.storage.withUnsafeBufferPointer { src in
                let source = SendablePointer(UnsafeMutablePointer(mutating: src.baseAddress!))
                concurrentIndices(n, threads: c.threads) { k in
                    var rng = SeededGenerator(seed: c.seed &+ UInt64(epoch), stream: stream,
                                              index: UInt64(firstPosition + k))
                    let plane = Array(UnsafeBufferPointer(start: source.pointer + k * per, count: per))
                    let moved = Augment.randomAffine(plane: plane, width: w, height: h, ranges: c.affine, using: &rng)
                    moved.withUnsafeBufferPointer { (target.pointer + k * per).update(from: $0.baseAddress!, count: per) }
                }
            }
        }
        return out
    }

    private func autoencoderLoss(_ model: Autoencoder, samples: PreparedSamples, indices: [Int]) -> Double {
        var sum = 0.0
        for chunk in chunks(indices) {
            let x = samples.batch(chunk)
            sum += Double(model.evaluate(batch: x).totalLoss) * Double(chunk.count)
        }
        return sum / Double(max(indices.count, 1))
    }

    private func encodeAll(_ model: Autoencoder, samples: PreparedSamples, indices: [Int]) -> Tensor {
        var values: [Float] = []
        values.reserveCapacity(indices.count * model.latentDim)
        for chunk in chunks(indices) { values += model.encode(samples.batch(chunk)).storage }
        return Tensor(shape: [indices.count, model.latentDim], storage: values)
    }

    private func chunks(_ indices: [Int]) -> [ArraySlice<Int>] {
        stride(from: 0, to: indices.count, by: configuration.batchSize).map {
            indices[$0..<min(indices.count, $0 + configuration.batchSize)]
        }
    }

    // MARK: Classifier

    private func trainClassifier(_ initial: Classifier, samples: PreparedSamples, train: [Int], validation: [Int],
                                 epochs: Int, history: inout [EpochRecord], bestEpoch: inout Int?,
                                 events: (TrainingEvent) -> Void,
                                 shouldStop: () -> Bool, checkpoint: (Classifier, [EpochRecord]) -> Void) -> Classifier {
        let c = configuration
        var model = initial
        var best = initial
        var bestLoss = Double.infinity
        var adam = Adam(learningRate: Float(c.classifierLearningRate))
        let steps = (train.count + c.batchSize - 1) / c.batchSize
        var order = train
        for epoch in 1...epochs {
            let start = Date()
            var shuffle = SeededGenerator(seed: c.seed &+ 1, stream: Self.shuffleStream, index: UInt64(epoch))
            shuffle.shuffle(&order)
            var lossSum = 0.0, seen = 0
            for step in 0..<steps {
                let idx = Array(order[(step * c.batchSize)..<min(order.count, (step + 1) * c.batchSize)])
                let labels = idx.map { samples.labels[$0] == .valid ? Float(1) : 0 }
                let batch = samples.batch(idx)
                let input = c.augmentsClassifier
                    ? augmentedInputs(batch, stream: Self.classifierAffineStream, epoch: epoch, firstPosition: step * c.batchSize)
                    : batch
                let loss = model.computeGradients(batch: input, labels: labels)
                model.applyGradients(&adam)
                lossSum += Double(loss.totalLoss) * Double(idx.count)
                seen += idx.count
                events(.step(phase: .classifier, epoch: epoch, epochs: epochs, step: step + 1, steps: steps,
                             loss: lossSum / Double(seen)))
                if shouldStop() { break }
            }
            var valLoss = 0.0, correct = 0
            for chunk in chunks(validation) {
                let p = model.predict(samples.batch(chunk))
                let labels = chunk.map { samples.labels[$0] == .valid ? Float(1) : 0 }
                let (loss, _) = Losses.binaryCrossEntropy(prediction: Tensor(shape: [p.count, 1], storage: p),
                                                          target: Tensor(shape: [p.count, 1], storage: labels))
                valLoss += Double(loss) * Double(chunk.count)
                correct += zip(p, labels).filter { ($0 >= 0.5) == ($1 == 1) }.count
            }
            valLoss /= Double(max(validation.count, 1))
            let record = EpochRecord(epoch: epoch, loss: lossSum / Double(max(seen, 1)), valLoss: valLoss,
                                     learningRate: c.classifierLearningRate,
                                     valAccuracy: Double(correct) / Double(max(validation.count, 1)),
                                     seconds: Date().timeIntervalSince(start))
            history.append(record)
            let improved = valLoss < bestLoss
            if improved {
                bestLoss = valLoss
                best = model
                bestEpoch = epoch
                checkpoint(best, history)
            }
            events(.epoch(phase: .classifier, epochs: epochs, record: record, improved: improved))
            if shouldStop() { break }
        }
        return best
    }

    // MARK: Thresholds and bundle

    private func finish(autoencoder: Autoencoder, classifier: Classifier, forest: IsolationForest,
                        parameters: inout VerifierParameters, samples: PreparedSamples, split: SplitIndices,
                        trainValid: [Int], history: TrainingHistory, work: URL, output: URL) throws(TrainingError) -> TrainingSummary {
        let fm = FileManager.default
        try? fm.removeItem(at: work)
        // Scores come from the Verifier itself, so calibration sees exactly what `verify` computes.
        let provisional: ModelBundle
        do {
            provisional = try ModelBundle.write(parameters: parameters, autoencoder: autoencoder, classifier: classifier,
                                                forest: forest, to: work)
        } catch {
            throw .bundle("\(error)")
        }
        let verifier = Verifier(bundle: provisional, maxBatch: configuration.batchSize)
        // Thresholds are chosen on the held-out originals: augmented copies are drawn to be harder
        // than real scans (they teach robustness), so counting them would loosen every threshold.
        let held = split.heldOut.filter { !samples.isCopy[$0] }
        let heldScores: [Verification]
        do {
            heldScores = try verifier.verify(samples.batch(held))
        } catch {
            throw .bundle("scoring held-out images: \(error)")
        }
        var notes: [String] = []
        switch configuration.recipe {
        case .seed:
            let trainScores: [Verification]
            do { trainScores = try verifier.verify(samples.batch(trainValid)) } catch {
                throw .bundle("scoring training images: \(error)")
            }
            do {
                parameters.reconstructionThreshold = try ThresholdCalibration.meanPlusTwoStd(trainScores.map(\.reconstructionError))
            } catch {
                throw .calibration("\(error)")
            }
            parameters.anomalyScoreMin = SeedThresholds.anomalyScoreMin
            parameters.classifierConfidenceMin = SeedThresholds.classifierConfidenceMin
        case .calibrated:
            let chosen = try calibrate(&parameters, scores: heldScores, of: held, in: samples)
            notes += chosen.notes
        }
        let bundle: ModelBundle
        do {
            bundle = try ModelBundle.write(parameters: parameters, autoencoder: autoencoder, classifier: classifier,
                                           forest: forest, to: work)
            try history.write(to: work)
        } catch {
            throw .bundle("\(error)")
        }
        try Self.replace(output, with: work)

        let final = Verifier(bundle: bundle, maxBatch: configuration.batchSize)
        let rescored: [Verification]
        do { rescored = try final.verify(samples.batch(held)) } catch { throw .bundle("scoring held-out images: \(error)") }
        let report = EvaluationReport(samples: samples.scored(held, by: rescored), thresholds: CriterionThresholds(parameters))
        let evaluation = HeldOutEvaluation(verdict: report.verdict, reconstruction: report.reconstruction.metrics,
                                           anomaly: report.anomaly.metrics, classifier: report.classifier.metrics)
        return TrainingSummary(parameters: parameters, modelVersion: bundle.version, history: history, heldOut: evaluation,
                               trainCount: split.train.count, heldOutCount: held.count, calibrationNotes: notes,
                               idleCriteria: report.idleCriteria)
    }

    /// Sets `parameters`' three thresholds by `JointCalibration` on `verifications` (the verifier's
    /// scores of the samples at `indices`, in order), with this configuration's targets.
    func calibrate(_ parameters: inout VerifierParameters, scores verifications: [Verification], of indices: [Int],
                   in samples: PreparedSamples) throws(TrainingError) -> JointCalibration.Result {
        let scores = zip(verifications, indices).map { v, i in
            JointCalibration.Scores(reconstructionError: v.reconstructionError, anomalyScore: v.anomalyScore,
                                    classifierConfidence: v.classifierConfidence, isValid: samples.labels[i] == .valid)
        }
        let chosen: JointCalibration.Result
        do { chosen = try JointCalibration.choose(scores, targets: configuration.calibration) } catch {
            throw .calibration("\(error)")
        }
        parameters.reconstructionThreshold = chosen.reconstructionMax
        parameters.anomalyScoreMin = chosen.anomalyScoreMin
        parameters.classifierConfidenceMin = chosen.classifierConfidenceMin
        return chosen
    }

    /// Where a bundle for `output` is written before it replaces `output` (`replace`): beside it,
    /// hidden, one per process.
    static func partialFolder(for output: URL) -> URL {
        output.deletingLastPathComponent()
            .appendingPathComponent(".\(output.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// Puts the finished folder `work` at `output`: the old bundle is moved aside first and removed
    /// after the rename, so `output` is always either the previous or the new complete bundle.
    static func replace(_ output: URL, with work: URL) throws(TrainingError) {
        let fm = FileManager.default
        let old = output.deletingLastPathComponent()
            .appendingPathComponent(".\(output.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try? fm.removeItem(at: old)
            if fm.fileExists(atPath: output.path) { try fm.moveItem(at: output, to: old) }
            try fm.moveItem(at: work, to: output)
            try? fm.removeItem(at: old)
        } catch {
            throw .bundle("cannot move \(work.path) to \(output.path): \(error)")
        }
    }
}

/// The reference notebook's fixed cuts (`--recipe seed`); its reconstruction threshold is
/// `ThresholdCalibration.meanPlusTwoStd` of the valid training images' errors.
public enum SeedThresholds {
    public static let anomalyScoreMin = -0.5
    public static let classifierConfidenceMin = 0.5
}

/// A raw pointer handed to concurrent workers that write disjoint ranges.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// Runs `body(i)` for `0..<count` on up to `threads` workers (strided, so equal-cost items balance).
func concurrentIndices(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
    let workers = max(1, min(threads, count))
    if workers == 1 {
        for i in 0..<count { body(i) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        var i = w
        while i < count {
            body(i)
            i += workers
        }
    }
}
