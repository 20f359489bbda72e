import KernelPointers

/// Transposed 2-D convolution (Keras `Conv2DTranspose`, padding 'same'), NHWC, kernel layout
/// [kh, kw, out, in], with fused bias and activation. TensorFlow alignment:
/// `out[s·i + ky − p, s·j + kx − p, o] += Σ_c x[i, j, c] · K[ky, kx, o, c]`, output s·H × s·W,
/// `p = ⌊max(k − s, 0)/2⌋` (0 for k 3, s 2: all padding falls after). Computed as one SGEMM
/// X·Kᵀ per chunk of images followed by an output-row-parallel accumulation (col2im). Backward:
/// each core takes a share of the images (gather, then two single-threaded SGEMMs per image).
public struct Conv2DTranspose: KernelBiasLayer {
    public let name: String
    public internal(set) var kernel: Tensor
    public internal(set) var bias: Tensor
    public let stride: Int
    public let activation: Activation
    /// L2 factor λ: adds λ·Σ kernel² to the loss.
    public var kernelL2: Float
    public private(set) var kernelGradient: Tensor
    public private(set) var biasGradient: Tensor
    private var cachedInput: Tensor?
    private var cachedOutput: Tensor?

    public init(name: String, kernel: Tensor, bias: Tensor, stride: Int = 2,
                activation: Activation = .linear, kernelL2: Float = 0) {
        precondition(kernel.rank == 4 && bias.shape == [kernel.shape[2]], "Conv2DTranspose \(name): bad kernel/bias shapes")
        precondition(stride >= 1)
        self.name = name
        self.kernel = kernel
        self.bias = bias
        self.stride = stride
        self.activation = activation
        self.kernelL2 = kernelL2
        self.kernelGradient = Tensor(shape: kernel.shape)
        self.biasGradient = Tensor(shape: bias.shape)
    }

    /// Glorot-uniform kernel, zero bias (Keras defaults).
    public init(name: String, inChannels: Int, outChannels: Int, kernelSize: Int = 3, stride: Int = 2,
                activation: Activation = .linear, kernelL2: Float = 0, rng: inout SeededGenerator) {
        self.init(name: name,
                  kernel: Initializer.glorotUniform(shape: [kernelSize, kernelSize, outChannels, inChannels], using: &rng),
                  bias: Tensor(shape: [outChannels]), stride: stride, activation: activation, kernelL2: kernelL2)
    }

    struct Geometry {
        var h, w, cin, cout, kh, kw, s, padTop, padLeft, oh, ow: Int
        var taps: Int { kh * kw * cout }
    }

    func geometry(_ x: Tensor) -> Geometry {
        precondition(x.rank == 4 && x.shape[3] == kernel.shape[3],
                     "Conv2DTranspose \(name): input \(x.shape) does not have \(kernel.shape[3]) channels")
        let (kh, kw) = (kernel.shape[0], kernel.shape[1])
        return Geometry(h: x.shape[1], w: x.shape[2], cin: x.shape[3], cout: kernel.shape[2], kh: kh, kw: kw,
                        s: stride, padTop: max(kh - stride, 0) / 2, padLeft: max(kw - stride, 0) / 2,
                        oh: x.shape[1] * stride, ow: x.shape[2] * stride)
    }

    /// Builds output rows `rows` of one image from the per-input-pixel contributions in `cols`
    /// (output-stationary, so disjoint row ranges can run in parallel): each row is zeroed, then
    /// receives every (input row, ky) with s·i + ky − pad = oy.
    static func accumulateRows(_ g: Geometry, cols: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let cout = g.cout
        for oy in rows {
            let orow = out + oy * g.ow * cout
            orow.initialize(repeating: 0, count: g.ow * cout)
            for ky in 0..<g.kh {
                let t = oy + g.padTop - ky
                if t < 0 || t % g.s != 0 { continue }
                let i = t / g.s
                if i >= g.h { continue }
                var src = cols + (i * g.w * g.kh + ky) * g.kw * cout  // row (i, j=0), tap (ky, kx=0)
                if cout == 1 {
                    accumulateSingleChannelRow(g, taps: src, into: orow)
                    continue
                }
                for j in 0..<g.w {
                    for kx in 0..<g.kw {
                        let ox = g.s * j + kx - g.padLeft
                        if ox >= 0 && ox < g.ow {
                            let d = orow + ox * cout
                            for o in 0..<cout { d[o] += src[o] }
                        }
                        src += cout
                    }
                    src += (g.kh - 1) * g.kw * cout  // to the same tap row of the next input pixel
                }
            }
        }
    }

    /// One tap row ky of every input pixel of an input row added onto one output row, one output channel:
    /// `taps` holds the kw values of pixel j at `taps + j·kh·kw`. The same additions in the same order as
    /// the general loop, without its per-channel inner loop (a loop of one).
    @inline(__always)
    private static func accumulateSingleChannelRow(_ g: Geometry, taps: UnsafePointer<Float>, into orow: UnsafeMutablePointer<Float>) {
        let step = g.kh * g.kw
        for j in 0..<g.w {
            let t = taps + j * step
            let ox0 = g.s * j - g.padLeft
            for kx in 0..<g.kw {
                let ox = ox0 + kx
                if ox >= 0 && ox < g.ow { orow[ox] += t[kx] }
            }
        }
    }

    /// The adjoint of `accumulateRows`: gathers, per input pixel, the output-gradient values it touched.
    /// Only input rows `inputRows` are gathered; the first of them lands at `cols`.
    private static func gather(_ g: Geometry, dOut: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>, inputRows: Range<Int>) {
        let cout = g.cout
        var dst = cols
        for i in inputRows {
            for j in 0..<g.w {
                for ky in 0..<g.kh {
                    let oy = g.s * i + ky - g.padTop
                    if oy < 0 || oy >= g.oh {
                        dst.initialize(repeating: 0, count: g.kw * cout); dst += g.kw * cout; continue
                    }
                    for kx in 0..<g.kw {
                        let ox = g.s * j + kx - g.padLeft
                        if ox >= 0 && ox < g.ow {
                            dst.update(from: dOut + (oy * g.ow + ox) * cout, count: cout)
                        } else {
                            dst.initialize(repeating: 0, count: cout)
                        }
                        dst += cout
                    }
                }
            }
        }
    }

    public func forward(_ x: Tensor) -> Tensor { inference(x) }

    /// Floats of GEMM output per chunk: a few images' contributions, small enough to stay in cache
    /// for the row accumulation that follows.
    static let chunkBudget = 1 << 20

    /// Inference with a following inference-mode BatchNorm (`affine`) optionally folded into the
    /// epilogue. Each chunk of images is one SGEMM; accumulation and epilogue run per output row on all cores.
    public func inference(_ x: Tensor, affine: (scale: [Float], shift: [Float])? = nil) -> Tensor {
        let g = geometry(x)
        let n = x.shape[0]
        let inPixels = g.h * g.w, outSize = g.oh * g.ow * g.cout
        let perChunk = max(1, Self.chunkBudget / max(1, inPixels * g.taps))
        let cols = KernelOutput<Float>(uninitializedCount: min(n, perChunk) * inPixels * g.taps)  // SGEMM output (beta 0)
        let out = KernelOutput<Float>(uninitializedCount: n * outSize)  // every row is written by accumulateRows
        let scale = affine?.scale ?? [], shift = affine?.shift ?? []
        let act = activation, folded = affine != nil
        withPointers(x.storage, kernel.storage, bias.storage, scale, shift, out, cols) { x, k, b, s, t, out, cols in
            for start in Swift.stride(from: 0, to: n, by: perChunk) {
                let nb = min(perChunk, n - start)
                // cols[pixel, (ky,kx,o)] = Σ_c x[pixel, c] · K[(ky,kx,o), c]
                BLAS.sgemmSplit(transposeB: true, m: nb * inPixels, n: g.taps, k: g.cin, a: x + start * inPixels * g.cin,
                                lda: g.cin, b: k, ldb: g.cin, c: cols, ldc: g.taps)
                Parallel.ranges(nb * g.oh) { units in
                    // unit = (image in chunk, output row); split ranges never share a row.
                    var u = units.lowerBound
                    while u < units.upperBound {
                        let i = u / g.oh, r0 = u % g.oh
                        let r1 = min(g.oh, r0 + (units.upperBound - u))
                        let o = out + (start + i) * outSize
                        Self.accumulateRows(g, cols: cols + i * inPixels * g.taps, out: o, rows: r0..<r1)
                        ConvKernels.convEpilogue(z: o, zRows: r0..<r1, width: g.ow, cout: g.cout, bias: b, activation: act,
                                                 scale: folded ? s : nil, shift: folded ? t : nil,
                                                 pool: false, out: o + r0 * g.ow * g.cout)
                        u += r1 - r0
                    }
                }
            }
        }
        return Tensor(shape: [n, g.oh, g.ow, g.cout], storage: out.take())
    }

    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        let y = forward(x)
        cachedInput = x
        cachedOutput = y
        return y
    }

    public mutating func backward(_ dy: Tensor) -> Tensor {
        guard let x = cachedInput, let y = cachedOutput else { preconditionFailure("\(name): backward before trainingForward") }
        precondition(dy.shape == y.shape, "Conv2DTranspose \(name): gradient shape \(dy.shape) ≠ output \(y.shape)")
        let g = geometry(x)
        let n = x.shape[0]
        let inPixels = g.h * g.w, outSize = g.oh * g.ow * g.cout
        let (dz, dBias) = ConvKernels.activationGradient(dy, output: y, activation: activation, channels: g.cout)
        biasGradient = Tensor(shape: bias.shape, storage: dBias)
        // Each core takes a contiguous share of the images with its own workspace, kernel-gradient
        // partial and single-threaded SGEMMs (no barriers, no spinning BLAS threads); partials are
        // summed in part order, so the result does not depend on timing.
        let parts = Parallel.partCount(n)
        let imageCols = inPixels * g.taps, kCount = kernel.count
        let cols = KernelOutput<Float>(uninitializedCount: parts * imageCols)  // gather writes every entry
        let partials = KernelOutput<Float>(repeating: 0, count: parts * kCount)
        let dx = KernelOutput<Float>(uninitializedCount: x.count)  // every image: one SGEMM with beta 0
        withPointers(x.storage, dz.storage, kernel.storage, partials, dx, cols) { x, dz, k, partials, dx, cols in
            Parallel.parts(n) { part, images in
                let colsBase = cols + part * imageCols, kg = partials + part * kCount
                for img in images {
                    Self.gather(g, dOut: dz + img * outSize, cols: colsBase, inputRows: 0..<g.h)
                    let xs = x + img * inPixels * g.cin
                    // dK[(ky,kx,o), c] += dcolsᵀ · X
                    BLAS.sgemm(transposeA: true, m: g.taps, n: g.cin, k: inPixels, a: colsBase, lda: g.taps,
                               b: xs, ldb: g.cin, beta: img == images.lowerBound ? 0 : 1, c: kg, ldc: g.cin)
                    // dX = dcols · K
                    BLAS.sgemm(m: inPixels, n: g.cin, k: g.taps, a: colsBase, lda: g.taps,
                               b: k, ldb: g.cin, c: dx + img * inPixels * g.cin, ldc: g.cin)
                }
            }
        }
        let partialSums = partials.take()
        var kgrad = Array(partialSums[0..<kCount])
        for p in 1..<parts {
            for i in 0..<kCount { kgrad[i] += partialSums[p * kCount + i] }
        }
        if kernelL2 != 0 {
            let k2 = 2 * kernelL2
            kernel.storage.withUnsafeBufferPointer { kp in
                for i in 0..<kgrad.count { kgrad[i] += k2 * kp[i] }
            }
        }
        kernelGradient = Tensor(shape: kernel.shape, storage: kgrad)
        return Tensor(shape: x.shape, storage: dx.take())
    }
}
