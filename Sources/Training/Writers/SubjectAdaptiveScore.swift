import Foundation
import WriterVerification

/// A per-subject adaptation measured against the plain match score: the questioned signature's mean
/// cosine to the references, centred on how alike the references are among themselves and divided
/// by their spread — z = (s − μ)/max(σ, 0.02), μ and σ over each reference's mean cosine to the others —
/// then mapped into (0, 1) by the logistic function. One reference has no spread: the plain score.
public enum SubjectAdaptiveScore {
    public static let minimumSpread = 0.02

    public static func score(questioned: [Float], references: [[Float]]) -> Double {
        let plain = WriterModel.matchScore(questioned: questioned, references: references)
        guard references.count >= 2 else { return plain }
        let among = references.indices.map { i in
            WriterModel.matchScore(questioned: references[i], references: references.indices.filter { $0 != i }.map { references[$0] })
        }
        let mean = among.reduce(0, +) / Double(among.count)
        let spread = (among.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(among.count)).squareRoot()
        return 1 / (1 + exp(-(plain - mean) / max(spread, minimumSpread)))
    }
}
