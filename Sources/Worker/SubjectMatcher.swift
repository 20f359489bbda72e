import Imaging

/// The writer-embedding model as the worker uses it (issue 22): the seam between the claim loop
/// and `WriterVerification.WriterModel`, which conforms after the merge with an empty extension
/// (its API is exactly this). Called from several claim loops at once, hence `Sendable`.
public protocol SubjectMatcher: Sendable {
    /// Recorded with every match (`verdicts.match_model_version`) and the key of cached embeddings.
    var version: String { get }
    /// `match_passed` is `match_score >= threshold`.
    var threshold: Double { get }
    /// One embedding per decoded scan, in order (the model does its own preprocessing).
    func embeddings(of images: [GrayImage]) throws -> [[Float]]
    /// The questioned signature against the subject's references, in [0, 1] (higher: same writer).
    func matchScore(questioned: [Float], references: [[Float]]) -> Double
}
