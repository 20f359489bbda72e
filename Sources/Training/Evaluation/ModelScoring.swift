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
        config.dropCopies()
        config.threads = threads
        let (prepared, skipped) = TrainingDataBuilder.build(files: files, configuration: config, warn: warn)
        let all = Array(0..<prepared.count)
        let verifications = try Verifier(bundle: bundle, maxBatch: batchSize).verify(prepared.batch(all))
        return (prepared.scored(all, by: verifications), skipped)
    }
}

extension PreparedSamples {
    /// The samples at `indices` with the verifier's scores for them (`verifications` in the same order).
    func scored(_ indices: [Int], by verifications: [Verification]) -> [ScoredSample] {
        zip(indices, verifications).map { i, v in
            ScoredSample(path: names[i], label: labels[i], source: sources[i], reconstructionError: v.reconstructionError,
                         anomalyScore: v.anomalyScore, classifierConfidence: v.classifierConfidence)
        }
    }
}
