/// 2-D convolution, stride 1, NHWC, Keras kernel layout [kh, kw, in, out], with a fused bias and
/// activation. Inference: im2col + one single-threaded SGEMM per band of output rows, bands shared
/// out to the cores (≈2 MB reused workspace per core, so outputs stay in cache for the
/// fused epilogue — measured faster than one whole-image or whole-batch GEMM); a single input channel
/// uses a direct SIMD kernel instead (a K = 9 GEMM is ~7× slower). Training backward: each core takes a share of the images, two SGEMMs per image.
public struct Conv2D: KernelBiasLayer {
    public enum Padding: Sendable {
        /// Output the input's size (zero padding (k−1)/2 before, the rest after — TensorFlow's rule).
        case same
        /// No padding: output (h − kh + 1) × (w − kw + 1).
        case valid
    }

    public let name: String
    public internal(set) var kernel: Tensor
    public internal(set) var bias: Tensor
    public let padding: Padding
    public let activation: Activation
    /// L2 factor λ: adds λ·Σ kernel² to the loss (Keras `regularizers.l2(λ)`).
    public var kernelL2: Float
    public internal(set) var kernelGradient: Tensor
    public internal(set) var biasGradient: Tensor
    // Training caches (Conv2DTraining.swift): the input, the output (pooled when the following
    // max-pool ran fused) and, if so, each pooled value's window position.
    var cachedInput: Tensor?
    var cachedOutput: Tensor?
    var cachedWindows: [UInt8]?

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

    func geometry(_ x: Tensor) -> ConvKernels.Geometry {
        precondition(x.rank == 4 && x.shape[3] == kernel.shape[2],
                     "Conv2D \(name): input \(x.shape) does not have \(kernel.shape[2]) channels")
        let (h, w, c, kh, kw) = (x.shape[1], x.shape[2], x.shape[3], kernel.shape[0], kernel.shape[1])
        switch padding {
        case .same:
            return .init(h: h, w: w, c: c, kh: kh, kw: kw, padTop: (kh - 1) / 2, padLeft: (kw - 1) / 2, oh: h, ow: w)
        case .valid:
            precondition(h >= kh && w >= kw, "Conv2D \(name): input \(x.shape) smaller than kernel")
            return .init(h: h, w: w, c: c, kh: kh, kw: kw, padTop: 0, padLeft: 0, oh: h - kh + 1, ow: w - kw + 1)
        }
    }

    public func forward(_ x: Tensor) -> Tensor { inference(x) }

    /// Output rows gathered per GEMM: about this many floats of patches (2 MB), so the band's output stays
    /// in cache for the fused epilogue while each GEMM is tall enough to pay for packing its weights
    /// (measured against 1 MB and less: the 256-channel layer ran 7 % faster, none slower).
    static let bandBudget = 1 << 19

    /// Inference with the following inference-mode BatchNorm (`affine`: its per-channel scale and shift)
    /// and 2×2 max-pool optionally folded into the epilogue — the encoder's conv → ReLU → BN → pool block
    /// touches its full-resolution activation once. Each band of output rows of one image is one SGEMM
    /// (or a direct kernel for a single input channel) followed by the epilogue while the band is in cache.
    public func inference(_ x: Tensor, affine: (scale: [Float], shift: [Float])? = nil, pool: Bool = false) -> Tensor {
        convolve(x, affine: affine, pool: pool, windows: nil)
    }

    /// `inference`, also recording each pooled value's window position in `windows` (pooling only) —
    /// the training pass of a fused conv → max-pool pair.
    ///
    /// The batch's images are cut into bands of output rows (an even number when pooling); each core
    /// takes a contiguous share of the (image, band) units with its own workspace and gathers, multiplies
    /// (single-threaded SGEMM) and finishes its bands alone — one barrier per layer, whatever the batch
    /// size, and every band computed exactly as on one core.
    func convolve(_ x: Tensor, affine: (scale: [Float], shift: [Float])?, pool: Bool,
                  windows: UnsafeMutablePointer<UInt8>?) -> Tensor {
        let g = geometry(x)
        if g.c == 1 {
            return directInference(x, g, affine: affine, pool: pool, windows: windows)
        }
        let n = x.shape[0], cout = outChannels
        let rowsUsed = pool ? (g.oh / 2) * 2 : g.oh
        let (outH, outW) = pool ? (g.oh / 2, g.ow / 2) : (g.oh, g.ow)
        let inSize = g.h * g.w * g.c, outSize = outH * outW * cout
        let scale = affine?.scale ?? [], shift = affine?.shift ?? []
        let act = activation
        let band = Self.bandRows(g, cout: cout, rowsUsed: rowsUsed, pool: pool)
        let bandsPerImage = (rowsUsed + band - 1) / band
        let parts = Parallel.partCount(n * bandsPerImage)
        let colsCount = band * g.ow * g.patch, zCount = band * g.ow * cout
        var work = [Float](uninitializedCount: parts * (colsCount + zCount))  // im2col and SGEMM write all they use
        return Tensor(shape: [n, outH, outW, cout]) { out in
            x.storage.withUnsafeBufferPointer { xp in
            kernel.storage.withUnsafeBufferPointer { kp in
            bias.storage.withUnsafeBufferPointer { bp in
            scale.withUnsafeBufferPointer { sp in
            shift.withUnsafeBufferPointer { tp in
            work.withUnsafeMutableBufferPointer { wp in
                let ptrs = UnsafeSendableBox((x: xp.baseAddress!, k: kp.baseAddress!, b: bp.baseAddress!,
                                              s: affine == nil ? nil : sp.baseAddress, t: affine == nil ? nil : tp.baseAddress,
                                              work: wp.baseAddress!, out: out.baseAddress!, win: windows))
                Parallel.parts(n * bandsPerImage) { part, units in
                    let q = ptrs.value
                    let cols = q.work + part * (colsCount + zCount), z = cols + colsCount
                    for unit in units {
                        let img = unit / bandsPerImage, r0 = (unit % bandsPerImage) * band
                        let rows = min(band, rowsUsed - r0)
                        ConvKernels.im2col(g, input: q.x + img * inSize, cols: cols, rows: r0..<(r0 + rows))
                        BLAS.sgemm(m: rows * g.ow, n: cout, k: g.patch, a: cols, lda: g.patch,
                                   b: q.k, ldb: cout, c: z, ldc: cout)
                        let offset = img * outSize + (pool ? r0 / 2 : r0) * outW * cout
                        ConvKernels.convEpilogue(z: z, zRows: 0..<rows, width: g.ow, cout: cout, bias: q.b,
                                                 activation: act, scale: q.s, shift: q.t, pool: pool,
                                                 out: q.out + offset, windows: q.win.map { $0 + offset })
                    }
                }
            }}}}}}
        }
    }

    /// Output rows per band: about `bandBudget` floats of patches (even when pooling), in an even number
    /// of bands of nearly equal heights, so the (image, band) units share out evenly over 2 cores even at
    /// batch 1 (7 bands would leave one core idle an eighth of the time). Not cut by the caller's share:
    /// a GEMM's rounding depends on its height, and every share must compute the same bits.
    static func bandRows(_ g: ConvKernels.Geometry, cout: Int, rowsUsed: Int, pool: Bool) -> Int {
        let step = pool ? 2 : 1
        let budgetRows = max(step, Self.bandBudget / max(1, g.ow * max(cout, g.patch)))
        let maxBands = max(1, rowsUsed / step)
        let bands = min(maxBands, max(1, (rowsUsed + budgetRows - 1) / budgetRows).roundedUpToEven)
        let rows = (rowsUsed + bands - 1) / bands
        return max(1, min(rowsUsed, (rows + step - 1) / step * step))
    }

    /// Single input channel: no GEMM (K would be kh·kw). One parallel pass over all (image, output row)
    /// units of the batch; each worker computes the one or two conv rows a unit needs into a small
    /// cache-resident scratch and runs the epilogue (bias, activation, folded BN, pool) from there.
    private func directInference(_ x: Tensor, _ g: ConvKernels.Geometry,
                                 affine: (scale: [Float], shift: [Float])?, pool: Bool,
                                 windows: UnsafeMutablePointer<UInt8>?) -> Tensor {
        let n = x.shape[0], cout = outChannels
        let (outH, outW) = pool ? (g.oh / 2, g.ow / 2) : (g.oh, g.ow)
        let inSize = g.h * g.w, outSize = outH * outW * cout
        let rowsPerUnit = pool ? 2 : 1
        let scale = affine?.scale ?? [], shift = affine?.shift ?? []
        let act = activation
        return Tensor(shape: [n, outH, outW, cout]) { out in
            x.storage.withUnsafeBufferPointer { xp in
            kernel.storage.withUnsafeBufferPointer { kp in
            bias.storage.withUnsafeBufferPointer { bp in
            scale.withUnsafeBufferPointer { sp in
            shift.withUnsafeBufferPointer { tp in
                let ptrs = UnsafeSendableBox((x: xp.baseAddress!, k: kp.baseAddress!, b: bp.baseAddress!,
                                              s: affine == nil ? nil : sp.baseAddress, t: affine == nil ? nil : tp.baseAddress,
                                              out: out.baseAddress!, win: windows))
                Parallel.ranges(n * outH) { units in
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerUnit * g.ow * cout)
                    defer { scratch.deallocate() }
                    let q = ptrs.value
                    for u in units {
                        let (img, r) = (u / outH, u % outH)
                        let convRows = (r * rowsPerUnit)..<(r * rowsPerUnit + rowsPerUnit)
                        ConvKernels.directSingleChannel(g, input: q.x + img * inSize, kernel: q.k, cout: cout,
                                                        rows: convRows, out: scratch)
                        let offset = img * outSize + r * outW * cout
                        ConvKernels.convEpilogue(z: scratch, zRows: 0..<rowsPerUnit, width: g.ow, cout: cout, bias: q.b,
                                                 activation: act, scale: q.s, shift: q.t, pool: pool,
                                                 out: q.out + offset, windows: q.win.map { $0 + offset })
                    }
                }
            }}}}}
        }
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
