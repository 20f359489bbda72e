import NeuralNet

/// The convolutional autoencoder of SPEC §3. Sizes come from `VerifierParameters` (input H×W×C with
/// H, W multiples of 16; latent size), so one code path serves the 224×224 model and the tiny fixture.
/// Variable names and layouts are those of the reference Keras model (`enc_conv1/kernel`, …).
///
/// Inference (`encode`, `decode`) never mutates, so a loaded autoencoder can be shared between threads;
/// the encoder runs once per image and its latent feeds both the decoder and the IsolationForest.
public struct Autoencoder: Sendable {
    /// [H, W, C] of one input.
    public let inputShape: [Int]
    public let latentDim: Int
    public private(set) var encoder: Sequential
    public private(set) var decoder: Sequential

    /// L2 factor on the conv, transposed-conv and latent kernels (not `dec_dense`, not `dec_out`).
    public static let weightDecay: Float = 1e-4
    /// Adam learning rate of the reference (SPEC §3).
    public static let learningRate: Float = 1e-4
    /// Loss weights: `0.7·BCE + 0.3·(1 − SSIM)`.
    public static let bceWeight: Float = 0.7
    public static let ssimWeight: Float = 0.3

    /// A freshly initialised autoencoder (Glorot-uniform kernels, zero biases, BN γ 1 β 0), reproducible
    /// from `seed`. `dropoutRate` is the encoder's dropout in training (0.2 in the reference).
    public init(parameters: VerifierParameters, seed: UInt64, dropoutRate: Float = 0.2) throws(BundleError) {
        var rng = SeededGenerator(seed: seed)
        (encoder, decoder) = try Self.build(parameters, dropoutRate: dropoutRate, seed: seed) { shape in
            Initializer.glorotUniform(shape: shape, using: &rng)
        }
        (inputShape, latentDim) = (parameters.inputShape, parameters.latentDim)
    }

    /// An autoencoder holding `weights` (names as `variables`); every tensor must be present with the
    /// right shape.
    public init(parameters: VerifierParameters, weights: [String: Tensor], dropoutRate: Float = 0.2) throws(BundleError) {
        (encoder, decoder) = try Self.build(parameters, dropoutRate: dropoutRate, seed: 0) { Tensor(shape: $0) }
        try encoder.load(weights)
        try decoder.load(weights)
        (inputShape, latentDim) = (parameters.inputShape, parameters.latentDim)
    }

    private static func build(_ p: VerifierParameters, dropoutRate: Float, seed: UInt64,
                              kernel: (_ shape: [Int]) -> Tensor) throws(BundleError) -> (Sequential, Sequential) {
        guard p.inputShape.count == 3, p.inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidParameters("input_shape \(p.inputShape) is not [height, width, channels]")
        }
        let (h, w, c) = (p.inputShape[0], p.inputShape[1], p.inputShape[2])
        guard h % 16 == 0, w % 16 == 0 else {
            throw .invalidParameters("autoencoder input \(h)×\(w) must be a multiple of 16 (four 2×2 poolings)")
        }
        guard p.latentDim > 0 else { throw .invalidParameters("latent_dim \(p.latentDim) must be positive") }
        guard (0..<1).contains(dropoutRate) else { throw .invalidParameters("dropout rate \(dropoutRate) not in [0, 1)") }
        let l2 = weightDecay
        let bottleneck = p.bottleneckWidth
        func conv(_ name: String, _ cin: Int, _ cout: Int) -> Conv2D {
            Conv2D(name: name, kernel: kernel([3, 3, cin, cout]), bias: Tensor(shape: [cout]),
                   padding: .same, activation: .relu, kernelL2: l2)
        }
        func deconv(_ name: String, _ cin: Int, _ cout: Int, _ act: Activation, _ decay: Float) -> Conv2DTranspose {
            Conv2DTranspose(name: name, kernel: kernel([3, 3, cout, cin]), bias: Tensor(shape: [cout]),
                            stride: 2, activation: act, kernelL2: decay)
        }
        var enc: [any Layer] = []
        let widths = [c, 32, 64, 128, 256]
        for i in 1...4 {
            enc.append(conv("enc_conv\(i)", widths[i - 1], widths[i]))
            enc.append(BatchNorm(name: "enc_bn\(i)", channels: widths[i]))
            enc.append(MaxPool2D(name: "enc_pool\(i)"))
            if i < 4 { enc.append(Dropout(name: "enc_dropout\(i)", rate: dropoutRate, seed: seed &+ UInt64(i))) }
        }
        enc.append(Flatten(name: "enc_flatten"))
        enc.append(Dense(name: "latent", kernel: kernel([bottleneck, p.latentDim]), bias: Tensor(shape: [p.latentDim]),
                         activation: .relu, kernelL2: l2))
        var dec: [any Layer] = [
            Dense(name: "dec_dense", kernel: kernel([p.latentDim, bottleneck]), bias: Tensor(shape: [bottleneck]),
                  activation: .relu),
            Reshape(name: "dec_reshape", targetShape: [h / 16, w / 16, 256]),
        ]
        let dw = [256, 128, 64, 32]
        for i in 1...3 {
            dec.append(deconv("dec_deconv\(i)", dw[i - 1], dw[i], .relu, l2))
            dec.append(BatchNorm(name: "dec_bn\(i)", channels: dw[i]))
        }
        dec.append(deconv("dec_out", 32, c, .sigmoid, 0))
        return (Sequential(enc), Sequential(dec))
    }

    /// Every variable (weights, biases, BN statistics) by bundle name, for saving.
    public var variables: [String: Tensor] {
        encoder.variables.merging(decoder.variables) { a, _ in a }
    }

    /// Trainable-variable gradients of the last `computeGradients`, by bundle name.
    public var gradients: [String: Tensor] {
        encoder.gradients.merging(decoder.gradients) { a, _ in a }
    }

    private func checkInput(_ x: Tensor) {
        precondition(x.rank == 4 && Array(x.shape.dropFirst()) == inputShape,
                     "Autoencoder: input \(x.shape) is not [N] + \(inputShape)")
    }

    /// Latent codes [N, latentDim] of a batch [N, H, W, C] (inference mode).
    public func encode(_ x: Tensor) -> Tensor {
        checkInput(x)
        if x.shape[0] == 0 { return Tensor(shape: [0, latentDim]) }
        return encoder.forward(x)
    }

    /// Reconstructions [N, H, W, C] of latent codes [N, latentDim] (inference mode).
    public func decode(_ latent: Tensor) -> Tensor {
        precondition(latent.rank == 2 && latent.shape[1] == latentDim, "Autoencoder: latent \(latent.shape) is not [N, \(latentDim)]")
        if latent.shape[0] == 0 { return Tensor(shape: [0] + inputShape) }
        return decoder.forward(latent)
    }

    /// One training-mode forward and backward pass on `x` (target = input): BatchNorm on batch
    /// statistics (moving statistics updated), dropout active. Loss = mean over batch and pixels of
    /// `0.7·BCE + 0.3·(1 − SSIM)` plus the L2 penalties; gradients are left in the layers.
    public mutating func computeGradients(batch x: Tensor) -> TrainingLoss {
        computeGradients(input: x, target: x)
    }

    /// As `computeGradients(batch:)` with a separate target: the training loop feeds randomly
    /// transformed inputs and asks for the original image back (Keras `flow(x, y)`), so the
    /// autoencoder learns to undo small pose changes.
    public mutating func computeGradients(input x: Tensor, target: Tensor) -> TrainingLoss {
        checkInput(x)
        precondition(target.shape == x.shape, "Autoencoder: target \(target.shape) does not match input \(x.shape)")
        let recon = decoder.trainingForward(encoder.trainingForward(x))
        let (data, dRecon) = Self.dataLoss(reconstruction: recon, target: target, wantGradient: true)
        encoder.backwardParametersOnly(decoder.backward(dRecon!))
        let reg = Double(encoder.regularizationLoss) + Double(decoder.regularizationLoss)
        return TrainingLoss(dataLoss: Float(data), totalLoss: Float(data + reg))
    }

    /// The data loss `0.7·BCE + 0.3·(1 − SSIM)` of reconstructing `x` in inference mode (validation),
    /// plus the L2 penalties in `totalLoss`; no gradients, nothing changes.
    public func evaluate(batch x: Tensor) -> TrainingLoss {
        let recon = decode(encode(x))
        let data = Self.dataLoss(reconstruction: recon, target: x, wantGradient: false).loss
        let reg = Double(encoder.regularizationLoss) + Double(decoder.regularizationLoss)
        return TrainingLoss(dataLoss: Float(data), totalLoss: Float(data + reg))
    }

    /// `0.7·mean BCE + 0.3·(1 − mean SSIM)` and, if asked, its gradient with respect to the reconstruction.
    private static func dataLoss(reconstruction recon: Tensor, target x: Tensor, wantGradient: Bool) -> (loss: Double, gradient: Tensor?) {
        let (bce, dBCE) = Losses.binaryCrossEntropy(prediction: recon, target: x)
        let (ssims, dSSIM) = Losses.ssim(recon, x, wantGradient: wantGradient)
        let meanSSIM = ssims.reduce(0, +) / Double(max(ssims.count, 1))
        let loss = Double(bceWeight) * Double(bce) + Double(ssimWeight) * (1 - meanSSIM)
        guard wantGradient, let dSSIM else { return (loss, nil) }
        var dRecon = dBCE
        dRecon.storage.withUnsafeMutableBufferPointer { d in
            dSSIM.storage.withUnsafeBufferPointer { s in
                for i in d.indices { d[i] = bceWeight * d[i] - ssimWeight * s[i] }
            }
        }
        return (loss, dRecon)
    }

    /// Applies one Adam step with the gradients of the last `computeGradients`.
    public mutating func applyGradients(_ optimizer: inout Adam) {
        optimizer.beginStep()
        encoder.applyGradients(&optimizer)
        decoder.applyGradients(&optimizer)
    }
}
