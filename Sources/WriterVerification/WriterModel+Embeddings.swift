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
    /// writer), by the bundle's scoring. No references: 0.
    public func matchScore(questioned: [Float], references: [[Float]]) -> Double {
        scorer.score(questioned: questioned, references: references)
    }
}
