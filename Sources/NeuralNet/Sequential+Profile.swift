import Foundation

/// One fused inference step of `Sequential.forward(_:observe:)`: which layers ran together, on what,
/// how long it took and how much arithmetic it did.
public struct InferenceStepTiming: Sendable {
    /// Names of the layers the step ran (e.g. `enc_conv1`, `enc_bn1`, `enc_pool1`).
    public let layers: [String]
    public let inputShape: [Int]
    public let outputShape: [Int]
    /// Wall-clock seconds of the step.
    public let seconds: Double
    /// Multiply-adds × 2 of the step's convolution, transposed convolution or dense layer (0 for
    /// element-wise steps), the convention of `ForwardCost`.
    public let flops: Int
    /// The algorithm of the step's Conv2D (nil for other steps).
    public let convolution: Conv2D.InferencePath?
}

extension Sequential {
    /// `forward(x)`, reporting each fused step to `observe` as it finishes: the per-layer table of
    /// `sigverify benchmark nn`. Same steps, same arithmetic, same result as `forward`.
    public func forward(_ x: Tensor, observe: (InferenceStepTiming) -> Void) -> Tensor {
        _ = TrainingMemory.configured
        var y = x
        var i = 0
        while i < layers.count {
            let start = DispatchTime.now().uptimeNanoseconds
            let (output, next) = inferenceStep(at: i, y)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            observe(InferenceStepTiming(layers: layers[i..<next].map(\.name), inputShape: y.shape,
                                        outputShape: output.shape, seconds: seconds,
                                        flops: Self.inferenceFLOPs(of: layers[i], input: y),
                                        convolution: (layers[i] as? Conv2D).map {
                                            $0.inferencePath(inputShape: y.shape, pool: layers[i..<next].contains { $0 is MaxPool2D })
                                        }))
            (y, i) = (output, next)
        }
        return y
    }

    /// 2 × multiply-adds of `layer` on `x` (its GEMM-shaped work); 0 for element-wise layers.
    static func inferenceFLOPs(of layer: any Layer, input x: Tensor) -> Int {
        let n = x.shape.first ?? 0
        switch layer {
        case let conv as Conv2D:
            let g = conv.geometry(x)
            return 2 * n * g.oh * g.ow * g.patch * conv.outChannels
        case let deconv as Conv2DTranspose:
            let g = deconv.geometry(x)
            return 2 * n * g.h * g.w * g.cin * g.taps
        case let dense as Dense:
            return 2 * n * dense.kernel.shape[0] * dense.kernel.shape[1]
        default:
            return 0
        }
    }
}
