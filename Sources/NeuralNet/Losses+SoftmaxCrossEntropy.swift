import Foundation

extension Losses {
    /// Softmax cross-entropy on logits [N, K] with integer class labels (Keras
    /// `SparseCategoricalCrossentropy(from_logits=True)`), averaged over the rows whose label is not
    /// nil (rows without a label add nothing: e.g. forgeries in a writer-classification batch).
    /// Returns the loss and dLoss/dLogits ((softmax − one-hot) / labelled rows; zero on unlabelled rows).
    /// The softmax is computed stably (max subtracted) in Double.
    public static func softmaxCrossEntropy(logits: Tensor, labels: [Int?]) -> (loss: Float, gradient: Tensor) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "softmaxCrossEntropy: logits \(logits.shape) for \(labels.count) labels")
        let (n, k) = (logits.shape[0], logits.shape[1])
        let labelled = labels.compactMap { $0 }.count
        guard labelled > 0 else { return (0, Tensor(shape: logits.shape)) }
        precondition(labels.allSatisfy { $0 == nil || (0..<k).contains($0!) }, "softmaxCrossEntropy: label outside 0..<\(k)")
        let inv = 1 / Double(labelled)
        var sum = 0.0
        var grad = Tensor(shape: logits.shape)
        for row in 0..<n {
            guard let label = labels[row] else { continue }
            let z = logits.storage[(row * k)..<((row + 1) * k)].map(Double.init)
            let top = z.max()!
            let exps = z.map { exp($0 - top) }
            let total = exps.reduce(0, +)
            sum -= z[label] - top - log(total)
            for j in 0..<k {
                let p = exps[j] / total
                grad.storage[row * k + j] = Float((p - (j == label ? 1 : 0)) * inv)
            }
        }
        return (Float(sum * inv), grad)
    }
}
