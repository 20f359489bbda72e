/// A network layer with an inference pass, a training pass that remembers what its backward pass
/// needs, and a backward pass that returns dLoss/dInput and stores dLoss/dParameters.
///
/// Layers are value types: a network is a value, copying it copies its weights, and inference
/// (`forward`) never mutates, so one trained network can serve many threads.
public protocol Layer: Sendable {
    /// The Keras layer name; variables are exported as `"<name>/<key>"`.
    var name: String { get }
    /// Inference: Dropout is the identity, BatchNorm uses the moving statistics.
    func forward(_ x: Tensor) -> Tensor
    /// Training: BatchNorm uses batch statistics (and updates the moving ones), Dropout drops.
    /// Caches what `backward` needs.
    mutating func trainingForward(_ x: Tensor) -> Tensor
    /// Given dLoss/dOutput of the last `trainingForward`, stores the parameter gradients
    /// (including any L2 regularisation term) and returns dLoss/dInput.
    mutating func backward(_ dy: Tensor) -> Tensor
    /// `backward` for a first layer, whose input gradient nobody needs: layers may skip computing it.
    mutating func backwardParametersOnly(_ dy: Tensor)
    /// Every saved variable by Keras key (`kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`).
    var variables: [String: Tensor] { get }
    /// Replaces one variable; the caller guarantees the key exists and the shape matches `variables[key]`.
    mutating func setVariable(_ key: String, _ value: Tensor)
    /// Gradients of the trainable variables from the last `backward`, by Keras key.
    var gradients: [String: Tensor] { get }
    /// Visits each trainable variable with its gradient so an optimizer can update it in place.
    mutating func updateTrainable(_ body: (_ key: String, _ value: inout Tensor, _ gradient: Tensor) -> Void)
    /// The L2 penalty this layer adds to the loss (Keras `kernel_regularizer`), 0 if none.
    var regularizationLoss: Float { get }
}

extension Layer {
    public mutating func backwardParametersOnly(_ dy: Tensor) { _ = backward(dy) }
    public var variables: [String: Tensor] { [:] }
    public mutating func setVariable(_ key: String, _ value: Tensor) {
        preconditionFailure("\(name) has no variable \(key)")
    }
    public var gradients: [String: Tensor] { [:] }
    public mutating func updateTrainable(_ body: (_ key: String, _ value: inout Tensor, _ gradient: Tensor) -> Void) {}
    public var regularizationLoss: Float { 0 }
}

/// A chain of layers, as Keras `Sequential`: the two networks are built from these.
public struct Sequential: Sendable {
    public var layers: [any Layer]
    /// Indices of the MaxPool2D layers the last `trainingForward` ran inside the preceding Conv2D.
    private var poolsFusedInTraining: Set<Int> = []

    public init(_ layers: [any Layer]) { self.layers = layers }

    /// Inference pass through every layer. Conv → BatchNorm → MaxPool runs (and ConvTranspose →
    /// BatchNorm) are fused into one pass over the activation; inference-mode Dropout is skipped.
    public func forward(_ x: Tensor) -> Tensor {
        _ = TrainingMemory.configured
        var y = x
        var i = 0
        while i < layers.count { (y, i) = inferenceStep(at: i, y) }
        return y
    }

    /// One fused inference step starting at layer `i`: its output and the index of the next step's
    /// first layer (`forward` is these steps in order; `forward(_:observe:)` times each).
    func inferenceStep(at i: Int, _ y: Tensor) -> (output: Tensor, next: Int) {
        func skipTo(_ j: Int) -> Int {
            var k = j
            while k < layers.count, layers[k] is Dropout { k += 1 }
            return k
        }
        if let conv = layers[i] as? Conv2D {
            var j = skipTo(i + 1)
            var affine: (scale: [Float], shift: [Float])?
            if j < layers.count, let bn = layers[j] as? BatchNorm { affine = bn.inferenceAffine; j = skipTo(j + 1) }
            let pool = j < layers.count && layers[j] is MaxPool2D
            if pool { j += 1 }
            return (conv.inference(y, affine: affine, pool: pool), j)
        }
        if let deconv = layers[i] as? Conv2DTranspose {
            var j = skipTo(i + 1)
            var affine: (scale: [Float], shift: [Float])?
            if j < layers.count, let bn = layers[j] as? BatchNorm { affine = bn.inferenceAffine; j += 1 }
            return (deconv.inference(y, affine: affine), j)
        }
        return (layers[i].forward(y), i + 1)
    }

    /// Training pass through every layer (caches for `backward`). A Conv2D directly followed by a
    /// MaxPool2D runs as one fused pass (`Conv2D.trainingForwardPooled`: the full-resolution
    /// activation is never stored); the pool layer is then skipped in both directions. The first
    /// call tunes the heap for the large per-step buffers (`TrainingMemory`).
    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        _ = TrainingMemory.configured
        poolsFusedInTraining = []
        var y = x
        var i = 0
        while i < layers.count {
            if var conv = layers[i] as? Conv2D, conv.fusesPoolInTraining,
               i + 1 < layers.count, layers[i + 1] is MaxPool2D {
                y = conv.trainingForwardPooled(y)
                layers[i] = conv
                poolsFusedInTraining.insert(i + 1)
                i += 2
            } else {
                y = layers[i].trainingForward(y)
                i += 1
            }
        }
        return y
    }

    /// Backward pass in reverse order; returns dLoss/dInput.
    public mutating func backward(_ dy: Tensor) -> Tensor {
        var g = dy
        for i in layers.indices.reversed() where !poolsFusedInTraining.contains(i) { g = layers[i].backward(g) }
        return g
    }

    /// Backward pass that stores every parameter gradient but skips dLoss/dInput (whose first layer's
    /// share is pure overhead when the input is data).
    public mutating func backwardParametersOnly(_ dy: Tensor) {
        guard !layers.isEmpty else { return }
        var g = dy
        for i in layers.indices.dropFirst().reversed() where !poolsFusedInTraining.contains(i) { g = layers[i].backward(g) }
        layers[0].backwardParametersOnly(g)
    }

    /// All variables as `"<layer>/<key>"`.
    public var variables: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for layer in layers {
            for (k, v) in layer.variables { out["\(layer.name)/\(k)"] = v }
        }
        return out
    }

    /// All trainable gradients of the last backward pass as `"<layer>/<key>"`.
    public var gradients: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for layer in layers {
            for (k, v) in layer.gradients { out["\(layer.name)/\(k)"] = v }
        }
        return out
    }

    /// Sum of the layers' L2 penalties.
    public var regularizationLoss: Float {
        layers.reduce(0) { $0 + $1.regularizationLoss }
    }

    /// Updates every trainable variable with the last backward's gradients. The caller opens the
    /// step with `optimizer.beginStep()` once, so several Sequentials (encoder + decoder) share one t.
    public mutating func applyGradients(_ optimizer: inout Adam) {
        for i in layers.indices {
            let prefix = layers[i].name
            layers[i].updateTrainable { key, value, gradient in
                optimizer.update(&value, gradient: gradient, name: "\(prefix)/\(key)")
            }
        }
    }
}

/// A layer whose parameters are one kernel and one bias (Conv2D, Conv2DTranspose, Dense): their
/// variable bookkeeping, optimizer visit and L2 penalty are written once, here.
protocol KernelBiasLayer: Layer {
    var kernel: Tensor { get set }
    var bias: Tensor { get set }
    var kernelGradient: Tensor { get }
    var biasGradient: Tensor { get }
    /// Keras `kernel_regularizer=l2(λ)`; 0 for none.
    var kernelL2: Float { get }
}

extension KernelBiasLayer {
    public var variables: [String: Tensor] { ["kernel": kernel, "bias": bias] }

    public mutating func setVariable(_ key: String, _ value: Tensor) {
        switch key {
        case "kernel": precondition(value.shape == kernel.shape); kernel = value
        case "bias": precondition(value.shape == bias.shape); bias = value
        default: preconditionFailure("\(name) has no variable \(key)")
        }
    }

    public var gradients: [String: Tensor] { ["kernel": kernelGradient, "bias": biasGradient] }

    public mutating func updateTrainable(_ body: (String, inout Tensor, Tensor) -> Void) {
        body("kernel", &kernel, kernelGradient)
        body("bias", &bias, biasGradient)
    }

    public var regularizationLoss: Float { l2Penalty(kernel, kernelL2) }
}
