import Foundation
import KernelPointers

/// Adam with Keras' defaults and update form:
/// `α_t = lr·sqrt(1 − β2^t)/(1 − β1^t)`, `m += (g − m)(1 − β1)`, `v += (g² − v)(1 − β2)`,
/// `w −= α_t·m/(sqrt(v) + ε)`. Moments are kept per variable name.
public struct Adam: Sendable {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Number of completed steps (t of the current step is `iterations + 1`).
    public private(set) var iterations: Int = 0
    private var moments: [String: (m: [Float], v: [Float])] = [:]
    private var stepStarted = false

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Marks the start of one optimisation step; every `update` until the next call uses the same t.
    public mutating func beginStep() {
        iterations += 1
        stepStarted = true
    }

    /// Updates one variable in place with its gradient.
    public mutating func update(_ value: inout Tensor, gradient: Tensor, name: String) {
        precondition(stepStarted, "Adam.update before beginStep")
        precondition(value.shape == gradient.shape, "Adam: \(name) gradient shape \(gradient.shape) ≠ \(value.shape)")
        let t = Double(iterations)
        let alpha = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        var state = moments.removeValue(forKey: name)
            ?? ([Float](repeating: 0, count: value.count), [Float](repeating: 0, count: value.count))
        let (b1, b2, eps) = (1 - beta1, 1 - beta2, epsilon)
        // Element-wise, so large variables (the classifier's 11 M-weight Dense kernel) split across cores.
        let m = KernelOutput(taking: &state.m), v = KernelOutput(taking: &state.v), w = KernelOutput(taking: &value.storage)
        withPointers(gradient.storage, m, v, w) { g, m, v, w in
            Parallel.ranges(gradient.count, minimumPerWorker: 1 << 16) { r in
                for i in r {
                    m[i] += (g[i] - m[i]) * b1
                    v[i] += (g[i] * g[i] - v[i]) * b2
                    w[i] -= alpha * m[i] / (v[i].squareRoot() + eps)
                }
            }
        }
        (state.m, state.v, value.storage) = (m.take(), v.take(), w.take())
        moments[name] = state
    }
}
