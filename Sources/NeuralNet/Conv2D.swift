/// 2-D convolution, stride 1, NHWC, Keras kernel layout [kh, kw, in, out], with a fused bias and
/// activation. Inference of a 3×3 kernel over 8 or more channels: Winograd F(4×4, 3×3) or F(2×2, 3×3)
/// where its units have enough tiles (Conv2D+Winograd.swift). Otherwise, and in training: im2col + one
/// single-threaded SGEMM per band of output rows, bands shared out to the cores (≈2 MB reused
/// workspace per core, so outputs stay in cache for the fused epilogue — measured faster than one
/// whole-image or whole-batch GEMM); a single input channel
/// uses a direct SIMD kernel instead (a K = 9 GEMM is ~7× slower). Training backward: each core takes a
/// share of the images, two SGEMMs per band. The passes themselves are in Conv2D+Passes.swift.
public struct Conv2D: KernelBiasLayer {
    public enum Padding: Sendable {
        /// Output the input's size (zero padding (k−1)/2 before, the rest after — TensorFlow's rule).
        case same
        /// No padding: output (h − kh + 1) × (w − kw + 1).
        case valid
    }

    public let name: String
    public internal(set) var kernel: Tensor {
        didSet { winogradKernel = WinogradKernelCache() }  // a new box: copies made before keep theirs
    }
    public internal(set) var bias: Tensor
    public let padding: Padding
    public let activation: Activation
    /// L2 factor λ: adds λ·Σ kernel² to the loss (Keras `regularizers.l2(λ)`).
    public var kernelL2: Float
    public internal(set) var kernelGradient: Tensor
    public internal(set) var biasGradient: Tensor
    // Training caches (Conv2D+Passes.swift): the input, the output (pooled when the following
    // max-pool ran fused) and, if so, each pooled value's window position.
    var cachedInput: Tensor?
    var cachedOutput: Tensor?
    var cachedWindows: [UInt8]?
    /// The kernel's Winograd transform, made at the first inference that needs it (Conv2D+Winograd.swift).
    var winogradKernel = WinogradKernelCache()

    public init(name: String, kernel: Tensor, bias: Tensor, padding: Padding,
                activation: Activation = .linear, kernelL2: Float = 0) {
        precondition(kernel.rank == 4 && bias.shape == [kernel.shape[3]], "Conv2D \(name): bad kernel/bias shapes")
        self.name = name
        self.kernel = kernel
        self.bias = bias
        self.padding = padding
        self.activation = activation
        self.kernelL2 = kernelL2
        self.kernelGradient = Tensor(shape: kernel.shape)
        self.biasGradient = Tensor(shape: bias.shape)
    }

    /// Glorot-uniform kernel, zero bias (Keras defaults).
    public init(name: String, inChannels: Int, outChannels: Int, kernelSize: Int = 3, padding: Padding,
                activation: Activation = .linear, kernelL2: Float = 0, rng: inout SeededGenerator) {
        self.init(name: name,
                  kernel: Initializer.glorotUniform(shape: [kernelSize, kernelSize, inChannels, outChannels], using: &rng),
                  bias: Tensor(shape: [outChannels]), padding: padding, activation: activation, kernelL2: kernelL2)
    }

    var outChannels: Int { kernel.shape[3] }

    func geometry(_ x: Tensor) -> ConvKernels.Geometry { geometry(shape: x.shape) }

    func geometry(shape: [Int]) -> ConvKernels.Geometry {
        precondition(shape.count == 4 && shape[3] == kernel.shape[2],
                     "Conv2D \(name): input \(shape) does not have \(kernel.shape[2]) channels")
        let (h, w, c, kh, kw) = (shape[1], shape[2], shape[3], kernel.shape[0], kernel.shape[1])
        switch padding {
        case .same:
            return .init(h: h, w: w, c: c, kh: kh, kw: kw, padTop: (kh - 1) / 2, padLeft: (kw - 1) / 2, oh: h, ow: w)
        case .valid:
            precondition(h >= kh && w >= kw, "Conv2D \(name): input \(shape) smaller than kernel")
            return .init(h: h, w: w, c: c, kh: kh, kw: kw, padTop: 0, padLeft: 0, oh: h - kh + 1, ow: w - kw + 1)
        }
    }

    /// Output rows gathered per GEMM: about this many floats of patches (2 MB), so the band's output stays
    /// in cache for the fused epilogue while each GEMM is tall enough to pay for packing its weights
    /// (measured against 1 MB and less: the 256-channel layer ran 7 % faster, none slower).
    static let bandBudget = 1 << 19

    /// Output rows per band, for the forward and the backward pass alike: about `bandBudget` floats of
    /// patches (or outputs, if wider), an even number of rows when pooling. `balanced` (forward: the
    /// cores share (image, band) units) then evens the heights out over an even number of bands, so the
    /// units share out evenly over 2 cores even at batch 1 (7 bands would leave one core idle an eighth
    /// of the time); the backward pass shares whole images out and takes the budget's height as it is.
    /// Neither is cut by the caller's core share: a GEMM's rounding depends on its height (the backward
    /// kernel gradient sums band by band), and every share must compute the same bits.
    static func bandRows(_ g: ConvKernels.Geometry, cout: Int, rowsUsed: Int, pool: Bool, balanced: Bool) -> Int {
        bandRows(floatsPerRow: g.ow * max(cout, g.patch), rowsUsed: rowsUsed, step: pool ? 2 : 1, balanced: balanced)
    }

    /// The same for a pass whose workspace holds `floatsPerRow` floats per output row, in bands of a
    /// multiple of `step` rows (Winograd: its tiles' height, 4 or 2).
    static func bandRows(floatsPerRow: Int, rowsUsed: Int, step: Int, balanced: Bool) -> Int {
        let budgetRows = max(step, Self.bandBudget / max(1, floatsPerRow))
        guard balanced else { return max(1, min(rowsUsed, budgetRows / step * step)) }
        let maxBands = max(1, rowsUsed / step)
        let bands = min(maxBands, max(1, (rowsUsed + budgetRows - 1) / budgetRows).roundedUpToEven)
        let rows = (rowsUsed + bands - 1) / bands
        return max(1, min(rowsUsed, (rows + step - 1) / step * step))
    }

    /// The data gradient of the kernel plus the L2 term 2λ·K.
    func withL2(_ data: [Float]) -> [Float] {
        guard kernelL2 != 0 else { return data }
        var kgrad = data
        let k2 = 2 * kernelL2
        kernel.storage.withUnsafeBufferPointer { kp in
            for i in 0..<kgrad.count { kgrad[i] += k2 * kp[i] }
        }
        return kgrad
    }
}

private extension Int {
    var roundedUpToEven: Int { self + self & 1 }
}

/// λ·Σ w², accumulated in Double.
func l2Penalty(_ w: Tensor, _ lambda: Float) -> Float {
    guard lambda != 0 else { return 0 }
    return w.storage.withUnsafeBufferPointer { p in
        var s = 0.0
        for v in p { s += Double(v) * Double(v) }
        return Float(Double(lambda) * s)
    }
}
