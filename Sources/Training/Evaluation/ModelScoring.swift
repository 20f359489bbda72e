import Foundation
import NeuralNet
import Preprocessing
import Verifier

/// Scores labelled files with a model bundle exactly as `verify` does (the bundle's preprocessing
/// profile at its input size, then the Verifier), for `sigverify evaluate`.
public enum ModelScoring {
    /// Decodes and preprocesses `files` on `threads` workers (unreadable files are skipped and passed to
    /// `warn`), verifies them in batches of `batchSize` and returns one `ScoredSample` per readable file.
    public static func score(files: [LabeledFile], bundle: ModelBundle, profile: PreprocessingProfile,
                             threads: Int = 2, batchSize: Int = 32,
                             warn: @escaping @Sendable (String) -> Void = { _ in }) throws -> (samples: [ScoredSample], skipped: [SkippedFile]) {
        let shape = bundle.parameters.inputShape
        guard shape.count == 3, shape[0] == shape[1], shape[2] == 1 else {
            throw TrainingError.invalidConfiguration("model input \(shape) is not a square gray image")
        }
        var config = TrainingConfiguration()
        config.inputSize = shape[0]
        config.profile = profile
        config.augmentValid = false
        config.scanConditionCopies = 0
        config.invalidCropCopies = 0
        config.threads = threads
        let (prepared, skipped) = TrainingDataBuilder.build(files: files, configuration: config, warn: warn)
        let verifications = try Verifier(bundle: bundle, maxBatch: batchSize).verify(prepared.batch(0..<prepared.count))
        let samples = verifications.enumerated().map { i, v in
            ScoredSample(path: prepared.names[i], label: prepared.labels[i], source: prepared.sources[i],
                         reconstructionError: v.reconstructionError, anomalyScore: v.anomalyScore,
                         classifierConfidence: v.classifierConfidence)
        }
        return (samples, skipped)
    }
}
