import Foundation
import Imaging
import NeuralNet
import Preprocessing

extension WriterModel {
    /// Decoded scans → L2-normalised embeddings, in order: each scan preprocessed (over the cores),
    /// then the network in batches. One scan that cannot be preprocessed fails the call, naming it.
    public func embeddings(of images: [GrayImage]) throws -> [[Float]] {
        let inputs = Parallel.map(images.count) { i in Result { () throws(PreprocessingError) in try preprocessing.input(images[i]) } }
        var ready: [[Float]] = []
        ready.reserveCapacity(inputs.count)
        for (i, r) in inputs.enumerated() {
            switch r {
            case .success(let x): ready.append(x)
            case .failure(let e): throw WriterModelError.preprocessing(index: i, e)
            }
        }
        return try network.embeddings(ofInputs: ready)
    }

    /// How much the questioned signature looks like the references' writer, in [0, 1] (higher = same
    /// writer): (1 + c)/2 for c the mean cosine similarity to the references (embeddings are
    /// centred, so c lies in [−1, 1]). No references: 0.
    public func matchScore(questioned: [Float], references: [[Float]]) -> Double {
        Self.matchScore(questioned: questioned, references: references)
    }

    /// `matchScore` without a loaded bundle (training and evaluation score with it too).
    public static func matchScore(questioned q: [Float], references: [[Float]]) -> Double {
        guard !references.isEmpty else { return 0 }
        var total = 0.0
        for r in references {
            precondition(r.count == q.count, "matchScore: embedding sizes \(q.count) and \(r.count)")
            var dot = 0.0, nr = 0.0, nq = 0.0
            for j in q.indices {
                dot += Double(q[j]) * Double(r[j]); nr += Double(r[j]) * Double(r[j]); nq += Double(q[j]) * Double(q[j])
            }
            total += nr > 0 && nq > 0 ? dot / (nr * nq).squareRoot() : 0
        }
        return min(1, max(0, (1 + total / Double(references.count)) / 2))
    }
}
