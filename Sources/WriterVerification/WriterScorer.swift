import Foundation

/// How a questioned signature's embedding is scored against a subject's reference embeddings
/// (`writer.json`'s `scoring`; bundles without one score by `meanCosine`).
public enum WriterScoring: String, Codable, Sendable, CaseIterable {
    /// (1 + c)/2, c the questioned signature's mean cosine to the references.
    case meanCosine = "mean_cosine"
    /// (1 + c − r)/2, r the references' mean cosine among themselves: how alike the questioned
    /// signature is to the references, measured against how alike they are to each other. A writer
    /// whose signatures vary gets the same footing as one who signs the same way every time, and a
    /// collection whose scans all look alike (one scanner, one form) does not lift every score.
    case relativeToReferences = "relative_to_references"

    /// The other way of scoring, for comparison.
    public var alternative: WriterScoring { self == .meanCosine ? .relativeToReferences : .meanCosine }
}

/// A `WriterScoring` with what it needs: the references' likeness to assume when a subject has a
/// single reference (the mean over the validation writers' reference sets).
public struct WriterScorer: Sendable, Equatable {
    public var scoring: WriterScoring
    public var typicalLikeness: Double

    public init(scoring: WriterScoring, typicalLikeness: Double = 0) {
        (self.scoring, self.typicalLikeness) = (scoring, typicalLikeness)
    }

    /// `scoring` with the typical likeness of `referenceSets` (0 when none has two references).
    public static func fitted(_ scoring: WriterScoring, referenceSets: [[[Float]]]) -> WriterScorer {
        let likenesses = referenceSets.compactMap(likeness)
        let typical = likenesses.isEmpty ? 0 : likenesses.reduce(0, +) / Double(likenesses.count)
        return WriterScorer(scoring: scoring, typicalLikeness: typical)
    }

    /// The match score in [0, 1] (higher: same writer). No references: 0.
    public func score(questioned q: [Float], references: [[Float]]) -> Double {
        guard !references.isEmpty else { return 0 }
        let c = references.reduce(0) { $0 + Self.cosine(q, $1) } / Double(references.count)
        let raw: Double
        switch scoring {
        case .meanCosine: raw = (1 + c) / 2
        case .relativeToReferences: raw = (1 + c - (Self.likeness(references) ?? typicalLikeness)) / 2
        }
        return min(1, max(0, raw))
    }

    /// The mean cosine over every pair of `references`; nil for fewer than two.
    public static func likeness(_ references: [[Float]]) -> Double? {
        guard references.count >= 2 else { return nil }
        var (total, pairs) = (0.0, 0)
        for i in references.indices {
            for j in references.indices where j > i { (total, pairs) = (total + cosine(references[i], references[j]), pairs + 1) }
        }
        return total / Double(pairs)
    }

    /// cos(a, b); 0 when either is zero.
    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "cosine: embedding sizes \(a.count) and \(b.count)")
        var (dot, na, nb) = (0.0, 0.0, 0.0)
        for j in a.indices {
            (dot, na, nb) = (dot + Double(a[j]) * Double(b[j]), na + Double(a[j]) * Double(a[j]), nb + Double(b[j]) * Double(b[j]))
        }
        return na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : 0
    }
}
