import NeuralNet
import Verifier

/// The writer-embedding trunk: per block a 3×3 convolution (ReLU, same padding), a 2×2 max-pool and
/// a batch norm; then the flattened map through a Dense ReLU layer — the embedding. Input [N, H, W, 1]
/// as `WriterPreprocessing` makes it; output [N, embeddingSize] (not yet L2-normalised).
public struct WriterNetwork: Sendable {
    public let parameters: WriterParameters
    public var network: Sequential
    /// Subtracted from the trunk's output before normalising (`wr_center/mean`): the mean training
    /// embedding, so cosines spread over [−1, 1] instead of crowding near 1 (ReLU outputs are all ≥ 0).
    public var center: [Float]
    static let centerName = "wr_center/mean"

    /// A freshly initialised trunk (Glorot-uniform kernels, zero biases), reproducible from `seed`.
    public init(parameters: WriterParameters, seed: UInt64) throws(WriterModelError) {
        try Self.check(parameters)
        var rng = SeededGenerator(seed: seed)
        self.parameters = parameters
        network = Self.build(parameters) { Initializer.glorotUniform(shape: $0, using: &rng) }
        center = [Float](repeating: 0, count: parameters.embeddingSize)
    }

    /// A trunk holding `weights` (names as `variables`), every shape checked before anything is built.
    public init(parameters: WriterParameters, weights: [String: Tensor]) throws(WriterModelError) {
        try Self.check(parameters)
        for (name, shape) in Self.shapes(parameters) {
            guard let found = weights[name] else { throw .bundle(.missingTensor(name)) }
            guard found.shape == shape else { throw .bundle(.shapeMismatch(name: name, expected: shape, found: found.shape)) }
        }
        self.parameters = parameters
        network = Self.build(parameters) { Tensor(shape: $0) }
        do { try network.load(weights) } catch { throw .bundle(error) }
        center = weights[Self.centerName]!.storage
    }

    /// Every variable by bundle name (the layers' and the centre), for saving.
    public var variables: [String: Tensor] {
        network.variables.merging([Self.centerName: Tensor(shape: [center.count], storage: center)]) { a, _ in a }
    }

    private static func check(_ p: WriterParameters) throws(WriterModelError) {
        if let problem = p.problem { throw .invalidParameters(file: "writer.json", reason: problem) }
    }

    /// Every variable's name and shape for `p`.
    static func shapes(_ p: WriterParameters) -> [(String, [Int])] {
        var out: [(String, [Int])] = []
        var cin = 1
        for (i, c) in p.convolutionChannels.enumerated() {
            out += [("wr_conv\(i + 1)/kernel", [3, 3, cin, c]), ("wr_conv\(i + 1)/bias", [c])]
            out += ["gamma", "beta", "moving_mean", "moving_variance"].map { ("wr_bn\(i + 1)/\($0)", [c]) }
            cin = c
        }
        let flat = p.featureSize.height * p.featureSize.width * cin
        return out + [("wr_embedding/kernel", [flat, p.embeddingSize]), ("wr_embedding/bias", [p.embeddingSize]),
                      (centerName, [p.embeddingSize])]
    }

    private static func build(_ p: WriterParameters, kernel: (_ shape: [Int]) -> Tensor) -> Sequential {
        var layers: [any Layer] = []
        var cin = 1
        for (i, c) in p.convolutionChannels.enumerated() {
            layers.append(Conv2D(name: "wr_conv\(i + 1)", kernel: kernel([3, 3, cin, c]), bias: Tensor(shape: [c]),
                                 padding: .same, activation: .relu))
            layers.append(MaxPool2D(name: "wr_pool\(i + 1)"))
            layers.append(BatchNorm(name: "wr_bn\(i + 1)", channels: c))
            cin = c
        }
        let flat = p.featureSize.height * p.featureSize.width * cin
        layers.append(Flatten(name: "wr_flatten"))
        layers.append(Dense(name: "wr_embedding", kernel: kernel([flat, p.embeddingSize]),
                            bias: Tensor(shape: [p.embeddingSize]), activation: .relu))
        return Sequential(layers)
    }

    /// Raw embeddings of a batch [N, H, W, 1] (inference mode).
    public func forward(_ x: Tensor) -> Tensor { network.forward(x) }
}
