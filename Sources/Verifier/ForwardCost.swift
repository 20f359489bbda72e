/// Floating-point operations of one image's inference pass through the verifier's networks (SPEC §3),
/// counting each multiply-add of the convolutions, transposed convolutions and dense layers as 2 FLOPs
/// (element-wise work — bias, activations, BatchNorm, pooling — is left out, as is customary).
/// Used to express measured throughput as GFLOP/s against the machine's SGEMM peak.
public struct ForwardCost: Equatable, Sendable {
    /// Encoder convolutions and the latent Dense.
    public let encoder: Int
    /// Decoder Dense and transposed convolutions.
    public let decoder: Int
    /// Classifier convolutions and Dense layers.
    public let classifier: Int

    /// Encoder + decoder + classifier: the work `Verifier.verify` does per image.
    public var total: Int { encoder + decoder + classifier }

    public init(parameters: VerifierParameters) {
        let h = parameters.inputShape.count == 3 ? parameters.inputShape[0] : 0
        let w = parameters.inputShape.count == 3 ? parameters.inputShape[1] : 0
        let latent = parameters.latentDim
        // 3×3 convolution producing an oh×ow×cout map from cin channels.
        func conv(_ oh: Int, _ ow: Int, _ cin: Int, _ cout: Int) -> Int { 2 * oh * ow * 9 * cin * cout }
        func dense(_ nin: Int, _ nout: Int) -> Int { 2 * nin * nout }

        var e = 0
        var (side, cin) = ((h, w), 1)
        for cout in [32, 64, 128, 256] {
            e += conv(side.0, side.1, cin, cout)  // 'same': output at the input size, then 2×2 pool
            side = (side.0 / 2, side.1 / 2)
            cin = cout
        }
        let bottleneck = side.0 * side.1 * 256
        e += dense(bottleneck, latent)
        encoder = e

        var d = dense(latent, bottleneck)
        cin = 256
        for cout in [128, 64, 32, 1] {
            d += conv(side.0, side.1, cin, cout)  // stride-2 transposed: every input pixel meets the 3×3 kernel
            side = (side.0 * 2, side.1 * 2)
            cin = cout
        }
        decoder = d

        var c = 0
        var s = (h - 2, w - 2)
        c += conv(s.0, s.1, 1, 32)
        s = (s.0 / 2 - 2, s.1 / 2 - 2)
        c += conv(s.0, s.1, 32, 64)
        s = (s.0 / 2 - 2, s.1 / 2 - 2)
        c += conv(s.0, s.1, 64, 64)
        c += dense(s.0 * s.1 * 64, 64) + dense(64, 1)
        classifier = c
    }
}
