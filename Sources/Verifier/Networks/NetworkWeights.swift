import NeuralNet

extension Sequential {
    /// Replaces every variable of every layer with `"<layer>/<key>"` from `weights`, checking presence
    /// and shape first, so a short or mis-shaped bundle fails with a clear error instead of a crash.
    public mutating func load(_ weights: [String: Tensor]) throws(BundleError) {
        for i in layers.indices {
            let layerName = layers[i].name
            for (key, current) in layers[i].variables {
                let name = "\(layerName)/\(key)"
                guard let value = weights[name] else { throw .missingTensor(name) }
                guard value.shape == current.shape else {
                    throw .shapeMismatch(name: name, expected: current.shape, found: value.shape)
                }
                layers[i].setVariable(key, value)
            }
        }
    }
}

/// What one training-mode forward/backward pass measured. Gradients stay in the network's layers
/// (`gradients`, `applyGradients`), so the step can be inspected before it is applied.
public struct TrainingLoss: Sendable, Equatable {
    /// The loss of the data term alone, averaged over the batch.
    public var dataLoss: Float
    /// `dataLoss` plus the L2 penalties of the regularised kernels.
    public var totalLoss: Float
}

/// Per-image mean squared error between two equally shaped NHWC batches (Double accumulation).
/// This is criterion 1 of the verifier: the reconstruction error.
public func meanSquaredErrorPerImage(_ a: Tensor, _ b: Tensor) -> [Float] {
    precondition(a.shape == b.shape && a.rank >= 1, "meanSquaredErrorPerImage: \(a.shape) vs \(b.shape)")
    let n = a.shape[0]
    guard n > 0 else { return [] }
    let per = a.count / n
    return a.storage.withUnsafeBufferPointer { ap in
        b.storage.withUnsafeBufferPointer { bp in
            (0..<n).map { i in
                var s = 0.0
                for j in (i * per)..<((i + 1) * per) {
                    let d = Double(ap[j]) - Double(bp[j])
                    s += d * d
                }
                return Float(s / Double(per))
            }
        }
    }
}
