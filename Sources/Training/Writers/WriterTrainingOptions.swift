import Foundation
import WriterVerification

/// How `WriterTrainer` trains the writer network (SigNet-F-like: writer classification of genuine
/// signatures plus a genuine-vs-skilled-forgery head on the same embedding).
public struct WriterTrainingOptions: Sendable {
    public var epochs = 8
    public var batchSize = 64
    public var learningRate: Float = 1e-3
    /// λ of the loss (1 − λ)·writer cross-entropy + λ·forgery cross-entropy.
    public var forgeryWeight: Float = 0.9
    /// Forgeries per writer per epoch at most this many times its genuine count (a seeded draw).
    public var forgeriesPerGenuine = 1.0
    /// How each training input is disturbed when drawn (shift, and optionally scale and rotation).
    public var jitter = WriterJitter()
    /// References per writer when validating each epoch (the best epoch is kept).
    public var validationReferences = 5
    /// The bundle's threshold: the highest at which at most this share of the validation genuine
    /// trials is rejected.
    public var targetFRR = 0.05
    public var seed: UInt64 = 7
    /// How the bundle scores a match (its typical reference likeness is fitted on the validation writers).
    public var scoring = WriterScoring.relativeToReferences

    public init() {}

    /// The step size of `epoch` (1-based): `learningRate`, a tenth of it over the last quarter of the epochs.
    public func learningRate(epoch: Int) -> Float {
        epochs >= 4 && epoch > epochs - epochs / 4 ? learningRate / 10 : learningRate
    }
}
