import NeuralNet

/// The CNN classifier of SPEC §3 (signature vs. not): three valid 3×3 convs with two 2×2 poolings,
/// Dense(64) ReLU, Dropout 0.5, Dense(1) sigmoid. Sizes follow the input shape of `VerifierParameters`.
public struct Classifier: Sendable {
    /// Adam learning rate of the reference (SPEC §3).
    public static let learningRate: Float = 1e-3
    /// [H, W, C] of one input.
    public let inputShape: [Int]
    public private(set) var network: Sequential

    /// A freshly initialised classifier (Glorot-uniform kernels, zero biases), reproducible from `seed`.
    public init(parameters: VerifierParameters, seed: UInt64, dropoutRate: Float = 0.5) throws(BundleError) {
        var rng = SeededGenerator(seed: seed)
        network = try Self.build(parameters, dropoutRate: dropoutRate, seed: seed) { shape in
            Initializer.glorotUniform(shape: shape, using: &rng)
        }
        inputShape = parameters.inputShape
    }

    /// A classifier holding `weights` (names as `variables`).
    public init(parameters: VerifierParameters, weights: [String: Tensor], dropoutRate: Float = 0.5) throws(BundleError) {
        network = try Self.build(parameters, dropoutRate: dropoutRate, seed: 0) { Tensor(shape: $0) }
        try network.load(weights)
        inputShape = parameters.inputShape
    }

    private static func build(_ p: VerifierParameters, dropoutRate: Float, seed: UInt64,
                              kernel: (_ shape: [Int]) -> Tensor) throws(BundleError) -> Sequential {
        guard p.inputShape.count == 3, p.inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidParameters("input_shape \(p.inputShape) is not [height, width, channels]")
        }
        let (h, w, c) = (p.inputShape[0], p.inputShape[1], p.inputShape[2])
        let (fh, fw) = p.classifierFeatureSize
        guard fh >= 1, fw >= 1 else { throw .invalidParameters("classifier input \(h)×\(w) is too small") }
        guard (0..<1).contains(dropoutRate) else { throw .invalidParameters("dropout rate \(dropoutRate) not in [0, 1)") }
        func conv(_ name: String, _ cin: Int, _ cout: Int) -> Conv2D {
            Conv2D(name: name, kernel: kernel([3, 3, cin, cout]), bias: Tensor(shape: [cout]), padding: .valid, activation: .relu)
        }
        let flat = fh * fw * 64
        return Sequential([
            conv("cls_conv1", c, 32), MaxPool2D(name: "cls_pool1"),
            conv("cls_conv2", 32, 64), MaxPool2D(name: "cls_pool2"),
            conv("cls_conv3", 64, 64), Flatten(name: "cls_flatten"),
            Dense(name: "cls_dense1", kernel: kernel([flat, 64]), bias: Tensor(shape: [64]), activation: .relu),
            Dropout(name: "cls_dropout", rate: dropoutRate, seed: seed &+ 101),
            Dense(name: "cls_out", kernel: kernel([64, 1]), bias: Tensor(shape: [1]), activation: .sigmoid),
        ])
    }

    /// Every variable by bundle name, for saving.
    public var variables: [String: Tensor] { network.variables }

    /// Gradients of the last `computeGradients`, by bundle name.
    public var gradients: [String: Tensor] { network.gradients }

    private func checkInput(_ x: Tensor) {
        precondition(x.rank == 4 && Array(x.shape.dropFirst()) == inputShape,
                     "Classifier: input \(x.shape) is not [N] + \(inputShape)")
    }

    /// Probability that each image of a batch [N, H, W, C] is a signature (inference mode).
    public func predict(_ x: Tensor) -> [Float] {
        checkInput(x)
        if x.shape[0] == 0 { return [] }
        return network.forward(x).storage
    }

    /// One training-mode forward/backward on a batch with labels (1 = signature): mean binary
    /// cross-entropy; gradients are left in the layers.
    public mutating func computeGradients(batch x: Tensor, labels: [Float]) -> TrainingLoss {
        checkInput(x)
        precondition(labels.count == x.shape[0], "Classifier: \(labels.count) labels for \(x.shape[0]) images")
        let p = network.trainingForward(x)
        let (loss, dp) = Losses.binaryCrossEntropy(prediction: p, target: Tensor(shape: p.shape, storage: labels))
        network.backwardParametersOnly(dp)
        let total = loss + network.regularizationLoss
        return TrainingLoss(dataLoss: loss, totalLoss: total)
    }

    /// Mean binary cross-entropy of `predict(x)` against `labels` in inference mode (validation).
    public func evaluate(batch x: Tensor, labels: [Float]) -> TrainingLoss {
        precondition(labels.count == x.shape[0], "Classifier: \(labels.count) labels for \(x.shape[0]) images")
        let p = predict(x)
        let loss = Losses.binaryCrossEntropy(prediction: Tensor(shape: [p.count], storage: p),
                                             target: Tensor(shape: [labels.count], storage: labels)).loss
        return TrainingLoss(dataLoss: loss, totalLoss: loss + network.regularizationLoss)
    }

    /// Applies one Adam step with the gradients of the last `computeGradients`.
    public mutating func applyGradients(_ optimizer: inout Adam) {
        optimizer.beginStep()
        network.applyGradients(&optimizer)
    }
}
