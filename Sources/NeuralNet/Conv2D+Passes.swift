import KernelPointers

/// Conv2D's passes side by side: the inference forward pass, the training forward pass (plain, or
/// fused with the following 2×2 max-pool) and the backward pass. Both forward and backward work a
/// band of output rows at a time, band heights from `Conv2D.bandRows`.
///
/// Why fused and banded: a 224×224 batch of 32 makes the classifier's first conv output 200 MB
/// (32×222×222×32 floats). Unfused, that activation is written, pooled, then its gradient is written
/// by the pool's backward, masked by the activation's backward and read again for the kernel
/// gradient — five passes over 200 MB per step, plus a 9×-input-sized patch matrix per image.
/// Fused, the conv keeps only the pooled output and a byte per value saying where in its window the
/// maximum sat; the backward pass rebuilds the full-resolution gradient a band of rows at a time in
/// a cache-sized buffer and feeds the two SGEMMs (or the single-channel kernel) from there.
extension Conv2D {
    // MARK: Forward

    public func forward(_ x: Tensor) -> Tensor { inference(x) }

    /// Inference with the following inference-mode BatchNorm (`affine`: its per-channel scale and shift)
    /// and 2×2 max-pool optionally folded into the epilogue — the encoder's conv → ReLU → BN → pool block
    /// touches its full-resolution activation once. Each band of output rows of one image is one SGEMM
    /// (or a direct kernel for a single input channel) followed by the epilogue while the band is in cache.
    /// A 3×3 kernel over 8 or more input channels takes Winograd — F(4×4, 3×3), or F(2×2, 3×3) where
    /// 4×4 tiles would be too few (Conv2D+Winograd.swift); the rest, and every training pass, im2col.
    public func inference(_ x: Tensor, affine: (scale: [Float], shift: [Float])? = nil, pool: Bool = false) -> Tensor {
        let g = geometry(x)
        if let units = winogradUnits(g, n: x.shape[0], pool: pool) {
            return winogradInference(x, g, units: units, affine: affine, pool: pool)
        }
        return convolve(x, affine: affine, pool: pool, windows: nil)
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
        let act = activation, folded = affine != nil
        let band = Self.bandRows(g, cout: cout, rowsUsed: rowsUsed, pool: pool, balanced: true)
        let bandsPerImage = (rowsUsed + band - 1) / band
        let colsCount = band * g.ow * g.patch, zCount = band * g.ow * cout
        // im2col and SGEMM write all they use
        let work = KernelOutput<Float>(uninitializedCount: Parallel.partCount(n * bandsPerImage) * (colsCount + zCount))
        return Tensor(shape: [n, outH, outW, cout]) { out in
            withPointers(x.storage, kernel.storage, bias.storage, scale, shift, work) { x, k, b, s, t, work in
                Parallel.parts(n * bandsPerImage) { part, units in
                    let cols = work + part * (colsCount + zCount), z = cols + colsCount
                    for unit in units {
                        let img = unit / bandsPerImage, r0 = (unit % bandsPerImage) * band
                        let rows = min(band, rowsUsed - r0)
                        ConvKernels.im2col(g, input: x + img * inSize, cols: cols, rows: r0..<(r0 + rows))
                        BLAS.sgemm(m: rows * g.ow, n: cout, k: g.patch, a: cols, lda: g.patch, b: k, ldb: cout, c: z, ldc: cout)
                        let offset = img * outSize + (pool ? r0 / 2 : r0) * outW * cout
                        ConvKernels.convEpilogue(z: z, zRows: 0..<rows, width: g.ow, cout: cout, bias: b, activation: act,
                                                 scale: folded ? s : nil, shift: folded ? t : nil, pool: pool,
                                                 out: out.baseAddress! + offset, windows: windows.map { $0 + offset })
                    }
                }
            }
        }
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
        let act = activation, folded = affine != nil
        return Tensor(shape: [n, outH, outW, cout]) { out in
            withPointers(x.storage, kernel.storage, bias.storage, scale, shift) { x, k, b, s, t in
                Parallel.ranges(n * outH) { units in
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerUnit * g.ow * cout)
                    defer { scratch.deallocate() }
                    for u in units {
                        let (img, r) = (u / outH, u % outH)
                        let convRows = (r * rowsPerUnit)..<(r * rowsPerUnit + rowsPerUnit)
                        ConvKernels.directSingleChannel(g, input: x + img * inSize, kernel: k, cout: cout,
                                                        rows: convRows, out: scratch)
                        let offset = img * outSize + r * outW * cout
                        ConvKernels.convEpilogue(z: scratch, zRows: 0..<rowsPerUnit, width: g.ow, cout: cout, bias: b,
                                                 activation: act, scale: folded ? s : nil, shift: folded ? t : nil,
                                                 pool: pool, out: out.baseAddress! + offset, windows: windows.map { $0 + offset })
                    }
                }
            }
        }
    }

    // MARK: Training forward

    /// Whether `trainingForwardPooled` supports this layer's activation (its derivative must be
    /// readable from the pooled output alone: ReLU and linear, not sigmoid).
    public var fusesPoolInTraining: Bool { activation != .sigmoid }

    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        let y = convolve(x, affine: nil, pool: false, windows: nil)
        cachedInput = x
        cachedOutput = y
        cachedWindows = nil
        return y
    }

    /// Training forward of this conv followed by a 2×2 max-pool, in one pass: returns the pooled
    /// output, exactly what `MaxPool2D.trainingForward(trainingForward(x))` returns. The next
    /// `backward` then takes the gradient with respect to the pooled output.
    public mutating func trainingForwardPooled(_ x: Tensor) -> Tensor {
        precondition(fusesPoolInTraining, "Conv2D \(name): a \(activation) activation cannot be fused with pooling")
        let g = geometry(x)
        let windows = KernelOutput<UInt8>(uninitializedCount: x.shape[0] * (g.oh / 2) * (g.ow / 2) * outChannels)  // the epilogue writes all
        let y = withPointers(windows) { convolve(x, affine: nil, pool: true, windows: $0) }
        cachedInput = x
        cachedOutput = y
        cachedWindows = windows.take()
        return y
    }

    // MARK: Backward

    public mutating func backward(_ dy: Tensor) -> Tensor { backward(dy, inputGradient: true)! }

    public mutating func backwardParametersOnly(_ dy: Tensor) { _ = backward(dy, inputGradient: false) }

    /// Parameter gradients, and dLoss/dInput if asked. Each core takes a share of the images; per band
    /// of output rows it forms dz = f'(y)·dy in a cache-sized buffer (expanding a pooled gradient to
    /// its window positions when the pool ran fused), then dK += patchesᵀ·dz and, for the input
    /// gradient, dpatches = dz·Kᵀ added back onto the input (col2im). A single-channel layer whose
    /// input gradient nobody needs takes a direct kernel instead of the thin K = kh·kw GEMMs.
    /// Partial sums are combined in part order, so results do not depend on timing.
    private mutating func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let x = cachedInput, let y = cachedOutput else { preconditionFailure("\(name): backward before trainingForward") }
        precondition(dy.shape == y.shape, "Conv2D \(name): gradient shape \(dy.shape) ≠ output \(y.shape)")
        let g = geometry(x)
        let n = x.shape[0], cout = outChannels, inSize = g.h * g.w * g.c
        let pooled = cachedWindows != nil
        let rowsUsed = pooled ? (g.oh / 2) * 2 : g.oh  // a pool drops an odd last row: its gradient is 0
        let direct = g.c == 1 && !inputGradient
        let band = Self.bandRows(g, cout: cout, rowsUsed: rowsUsed, pool: pooled, balanced: false)
        let taps = g.kh * g.kw, kCount = kernel.count
        let dzCount = band * g.ow * cout, colsCount = direct ? 0 : band * g.ow * g.patch
        // Float accumulators, then per-part Double sums of the same layout: the direct kernel's taps
        // (its kernel gradient) then the bias; the GEMM path sums only the bias this way.
        let accCount = direct ? (taps + 1) * cout : cout
        let sumCount = accCount, biasOffset = sumCount - cout
        let parts = Parallel.partCount(n)
        let sums = KernelOutput<Double>(repeating: 0, count: parts * sumCount)
        let kernelPartials = KernelOutput<Float>(repeating: 0, count: direct ? 0 : parts * kCount)
        let dx = KernelOutput<Float>(uninitializedCount: inputGradient ? x.count : 0)  // each image zeroed by its worker
        let act = activation, relu = activation == .relu
        withPointers(x.storage, dy.storage, y.storage, cachedWindows ?? [], kernel.storage, sums, kernelPartials, dx) {
            x, dy, y, windows, k, sums, kernelPartials, dx in
            Parallel.parts(n) { part, images in
                let raw = UnsafeMutableRawPointer.allocate(byteCount: (dzCount + colsCount + accCount) * 4, alignment: 64)
                defer { raw.deallocate() }
                let dz = raw.bindMemory(to: Float.self, capacity: dzCount + colsCount + accCount)
                let cols = dz + dzCount, acc = cols + colsCount
                let partSums = sums + part * sumCount, kPartial = kernelPartials + part * kCount
                for img in images {
                    let input = x + img * inSize, dInput = dx + img * inSize
                    if inputGradient { dInput.initialize(repeating: 0, count: inSize) }
                    for r0 in stride(from: 0, to: rowsUsed, by: band) {
                        let rows = r0..<min(r0 + band, rowsUsed)
                        if pooled {
                            Self.expandPooledGradient(g, img: img, rows: rows, cout: cout, relu: relu, dy: dy, y: y,
                                                      windows: windows, into: dz)
                        } else {
                            Self.activationGradient(g, img: img, rows: rows, cout: cout, activation: act, dy: dy, y: y,
                                                    into: dz)
                        }
                        if direct {
                            Self.directBandGradients(g, input: input, rows: rows, cout: cout, dz: dz, acc: acc,
                                                     sums: partSums)
                        } else {
                            Self.gemmBandGradients(g, input: input, rows: rows, cout: cout, dz: dz, cols: cols, acc: acc,
                                                   kernel: k, kernelPartial: kPartial, biasSums: partSums + biasOffset,
                                                   dInput: inputGradient ? dInput : nil)
                        }
                    }
                }
            }
        }
        setParameterGradients(parts: parts, sums: sums.take(), kernelPartials: direct ? nil : kernelPartials.take())
        return inputGradient ? Tensor(shape: x.shape, storage: dx.take()) : nil
    }

    /// The kernel and bias gradients from the parts' partial sums, combined in part order: each part's
    /// `sums` hold the direct kernel's taps (when there are no GEMM `kernelPartials`) then the bias.
    private mutating func setParameterGradients(parts: Int, sums: [Double], kernelPartials: [Float]?) {
        let cout = outChannels, kCount = kernel.count
        let sumCount = sums.count / max(1, parts), biasOffset = sumCount - cout
        func summed(_ offset: Int) -> Float { Float((0..<parts).reduce(0.0) { $0 + sums[$1 * sumCount + offset] }) }
        let kgrad = kernelPartials.map { partials in
            (0..<kCount).map { i in (0..<parts).reduce(Float(0)) { $0 + partials[$1 * kCount + i] } }
        } ?? (0..<kCount).map(summed)
        kernelGradient = Tensor(shape: kernel.shape, storage: withL2(kgrad))
        biasGradient = Tensor(shape: bias.shape, storage: (0..<cout).map { summed(biasOffset + $0) })
    }

    /// dz for conv output rows `rows` (even bounds) of image `img` when the pool ran fused: each pooled
    /// gradient goes to its window's maximum (none where ReLU was off), every other position is 0.
    private static func expandPooledGradient(_ g: ConvKernels.Geometry, img: Int, rows: Range<Int>, cout: Int, relu: Bool,
                                             dy: UnsafePointer<Float>, y: UnsafePointer<Float>,
                                             windows: UnsafePointer<UInt8>, into dz: UnsafeMutablePointer<Float>) {
        dz.initialize(repeating: 0, count: rows.count * g.ow * cout)
        let (ph, pw) = (g.oh / 2, g.ow / 2)
        for pr in (rows.lowerBound / 2)..<(rows.upperBound / 2) {
            let first = (img * ph + pr) * pw * cout
            let dzRows = dz + (2 * pr - rows.lowerBound) * g.ow * cout
            for px in 0..<pw {
                let o = first + px * cout
                for j in 0..<cout {
                    let at = Int(windows[o + j])
                    let gradient = relu && y[o + j] <= 0 ? 0 : dy[o + j]
                    dzRows[((at >> 1) * g.ow + 2 * px + (at & 1)) * cout + j] = gradient
                }
            }
        }
    }

    /// dz = f'(y)·dy for conv output rows `rows` of image `img` (no pool ran fused).
    private static func activationGradient(_ g: ConvKernels.Geometry, img: Int, rows: Range<Int>, cout: Int,
                                           activation: Activation, dy: UnsafePointer<Float>, y: UnsafePointer<Float>,
                                           into dz: UnsafeMutablePointer<Float>) {
        let offset = (img * g.oh + rows.lowerBound) * g.ow * cout, count = rows.count * g.ow * cout
        dz.update(from: dy + offset, count: count)
        activation.backward(UnsafeMutableBufferPointer(start: dz, count: count),
                            output: UnsafeBufferPointer(start: y + offset, count: count), parallel: false)
    }

    /// The single-channel kernel's parameter gradients for one band: per row, taps and bias summed in
    /// Float accumulators `acc`, rows added to the part's Double `sums` (same layout).
    private static func directBandGradients(_ g: ConvKernels.Geometry, input: UnsafePointer<Float>, rows: Range<Int>,
                                            cout: Int, dz: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>,
                                            sums: UnsafeMutablePointer<Double>) {
        let accCount = (g.kh * g.kw + 1) * cout
        for (r, oy) in rows.enumerated() {
            acc.initialize(repeating: 0, count: accCount)
            ConvKernels.singleChannelRowGradients(g, input: input, oy: oy, cout: cout, dz: dz + r * g.ow * cout, acc: acc)
            for i in 0..<accCount { sums[i] += Double(acc[i]) }
        }
    }

    /// The GEMM path for one band: dK += colsᵀ·dz into the part's kernel partial, bias sums per row
    /// (Float across the row, Double across rows) and, if `dInput`, dcols = dz·Kᵀ added back onto it.
    private static func gemmBandGradients(_ g: ConvKernels.Geometry, input: UnsafePointer<Float>, rows: Range<Int>,
                                          cout: Int, dz: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>,
                                          acc: UnsafeMutablePointer<Float>, kernel: UnsafePointer<Float>,
                                          kernelPartial: UnsafeMutablePointer<Float>, biasSums: UnsafeMutablePointer<Double>,
                                          dInput: UnsafeMutablePointer<Float>?) {
        ConvKernels.im2col(g, input: input, cols: cols, rows: rows)
        BLAS.sgemm(transposeA: true, m: g.patch, n: cout, k: rows.count * g.ow, a: cols, lda: g.patch,
                   b: dz, ldb: cout, beta: 1, c: kernelPartial, ldc: cout)
        for r in 0..<rows.count {
            acc.initialize(repeating: 0, count: cout)
            var d = dz + r * g.ow * cout
            for _ in 0..<g.ow {
                for j in 0..<cout { acc[j] += d[j] }
                d += cout
            }
            for j in 0..<cout { biasSums[j] += Double(acc[j]) }
        }
        guard let dInput else { return }
        BLAS.sgemm(transposeB: true, m: rows.count * g.ow, n: g.patch, k: cout, a: dz, lda: cout,
                   b: kernel, ldb: cout, c: cols, ldc: g.patch)
        ConvKernels.col2imAdd(g, cols: cols, rows: rows, output: dInput)
    }
}
