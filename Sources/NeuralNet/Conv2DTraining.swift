/// Conv2D training: forward with caches, the fused conv → 2×2 max-pool training pass, and the
/// banded backward pass shared by both.
///
/// Why fused and banded: a 224×224 batch of 32 makes the classifier's first conv output 200 MB
/// (32×222×222×32 floats). Unfused, that activation is written, pooled, then its gradient is written
/// by the pool's backward, masked by the activation's backward and read again for the kernel
/// gradient — five passes over 200 MB per step, plus a 9×-input-sized patch matrix per image.
/// Fused, the conv keeps only the pooled output and a byte per value saying where in its window the
/// maximum sat; the backward pass rebuilds the full-resolution gradient a band of rows at a time in
/// a cache-sized buffer and feeds the two SGEMMs (or the single-channel kernel) from there.
extension Conv2D {
    /// Whether `trainingForwardPooled` supports this layer's activation (its derivative must be
    /// readable from the pooled output alone: ReLU and linear, not sigmoid).
    public var fusesPoolInTraining: Bool { activation != .sigmoid }

    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        let y = forward(x)
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
        let count = x.shape[0] * (g.oh / 2) * (g.ow / 2) * outChannels
        var windows = [UInt8](unsafeUninitializedCapacity: count) { _, n in n = count }  // the epilogue writes all
        let y = windows.withUnsafeMutableBufferPointer { convolve(x, affine: nil, pool: true, windows: $0.baseAddress) }
        cachedInput = x
        cachedOutput = y
        cachedWindows = windows
        return y
    }

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
        let windows = cachedWindows ?? []
        let pooled = cachedWindows != nil
        let rowsUsed = pooled ? (g.oh / 2) * 2 : g.oh  // a pool drops an odd last row: its gradient is 0
        let direct = g.c == 1 && !inputGradient
        var band = max(1, Self.bandBudget / max(1, g.ow * max(cout, g.patch)))
        if pooled { band = max(2, band & ~1) }
        band = max(1, min(band, rowsUsed))
        let taps = g.kh * g.kw, kCount = kernel.count
        let dzCount = band * g.ow * cout
        let colsCount = direct ? 0 : band * g.ow * g.patch
        // Float accumulators, then per-part Double sums of the same layout: the direct kernel's taps
        // (its kernel gradient) then the bias; the GEMM path sums only the bias this way.
        let accCount = direct ? (taps + 1) * cout : cout
        let sumCount = accCount, biasOffset = sumCount - cout
        let parts = Parallel.partCount(n)
        var sums = [Double](repeating: 0, count: parts * sumCount)
        var kernelPartials = [Float](repeating: 0, count: direct ? 0 : parts * kCount)
        var dx = [Float](unsafeUninitializedCapacity: inputGradient ? x.count : 0) { _, count in
            count = inputGradient ? x.count : 0  // each image is zeroed by its worker before bands add to it
        }
        let act = activation, relu = activation == .relu
        x.storage.withUnsafeBufferPointer { xp in
        dy.storage.withUnsafeBufferPointer { dyp in
        y.storage.withUnsafeBufferPointer { yp in
        windows.withUnsafeBufferPointer { wp in
        kernel.storage.withUnsafeBufferPointer { kp in
        sums.withUnsafeMutableBufferPointer { sp in
        kernelPartials.withUnsafeMutableBufferPointer { kpp in
        dx.withUnsafeMutableBufferPointer { dxp in
            // (An empty array may still have a base address: the optional pointers follow the flags.)
            let ptrs = UnsafeSendableBox((x: xp.baseAddress!, dy: dyp.baseAddress!, y: yp.baseAddress!,
                                          win: pooled ? wp.baseAddress : nil, k: kp.baseAddress!, sums: sp.baseAddress!,
                                          kPartials: direct ? nil : kpp.baseAddress, dx: inputGradient ? dxp.baseAddress : nil))
            Parallel.parts(n) { part, images in
                let q = ptrs.value
                let raw = UnsafeMutableRawPointer.allocate(byteCount: (dzCount + colsCount + accCount) * 4, alignment: 64)
                defer { raw.deallocate() }
                let dz = raw.bindMemory(to: Float.self, capacity: dzCount + colsCount + accCount)
                let cols = dz + dzCount, acc = cols + colsCount
                let partSums = q.sums + part * sumCount
                for img in images {
                    let input = q.x + img * inSize
                    if let dx = q.dx { (dx + img * inSize).initialize(repeating: 0, count: inSize) }
                    var r0 = 0
                    while r0 < rowsUsed {
                        let rows = min(band, rowsUsed - r0)
                        let bandCount = rows * g.ow * cout
                        if let win = q.win {
                            // Each pooled gradient goes to its window's maximum (none where ReLU was off).
                            dz.initialize(repeating: 0, count: bandCount)
                            let (ph, pw) = (g.oh / 2, g.ow / 2)
                            for pr in (r0 / 2)..<((r0 + rows) / 2) {
                                let first = (img * ph + pr) * pw * cout
                                let dzRows = dz + (2 * pr - r0) * g.ow * cout
                                for px in 0..<pw {
                                    let o = first + px * cout
                                    for j in 0..<cout {
                                        let at = Int(win[o + j])
                                        let gradient = relu && q.y[o + j] <= 0 ? 0 : q.dy[o + j]
                                        dzRows[((at >> 1) * g.ow + 2 * px + (at & 1)) * cout + j] = gradient
                                    }
                                }
                            }
                        } else {
                            let offset = (img * g.oh + r0) * g.ow * cout
                            dz.update(from: q.dy + offset, count: bandCount)
                            act.backward(UnsafeMutableBufferPointer(start: dz, count: bandCount),
                                         output: UnsafeBufferPointer(start: q.y + offset, count: bandCount), parallel: false)
                        }
                        if direct {
                            // Accumulators per row in Float, rows summed in Double.
                            for r in 0..<rows {
                                acc.initialize(repeating: 0, count: accCount)
                                ConvKernels.singleChannelRowGradients(g, input: input, oy: r0 + r, cout: cout,
                                                                      dz: dz + r * g.ow * cout, acc: acc)
                                for i in 0..<accCount { partSums[i] += Double(acc[i]) }
                            }
                        } else {
                            ConvKernels.im2col(g, input: input, cols: cols, rows: r0..<(r0 + rows))
                            // dK[patch, cout] += colsᵀ · dz
                            BLAS.sgemm(transposeA: true, m: g.patch, n: cout, k: rows * g.ow, a: cols, lda: g.patch,
                                       b: dz, ldb: cout, beta: 1, c: q.kPartials! + part * kCount, ldc: cout)
                            for r in 0..<rows {
                                acc.initialize(repeating: 0, count: cout)
                                var d = dz + r * g.ow * cout
                                for _ in 0..<g.ow {
                                    for j in 0..<cout { acc[j] += d[j] }
                                    d += cout
                                }
                                for j in 0..<cout { partSums[biasOffset + j] += Double(acc[j]) }
                            }
                            if let dx = q.dx {
                                // dcols = dz · Kᵀ, added back onto this image's input gradient.
                                BLAS.sgemm(transposeB: true, m: rows * g.ow, n: g.patch, k: cout, a: dz, lda: cout,
                                           b: q.k, ldb: cout, c: cols, ldc: g.patch)
                                ConvKernels.col2imAdd(g, cols: cols, rows: r0..<(r0 + rows), output: dx + img * inSize)
                            }
                        }
                        r0 += rows
                    }
                }
            }
        }}}}}}}}
        // Parts combined in part order.
        func summed(_ offset: Int) -> Float { Float((0..<parts).reduce(0.0) { $0 + sums[$1 * sumCount + offset] }) }
        let kgrad = direct
            ? (0..<kCount).map(summed)
            : (0..<kCount).map { i in (0..<parts).reduce(Float(0)) { $0 + kernelPartials[$1 * kCount + i] } }
        let bgrad = (0..<cout).map { summed(biasOffset + $0) }
        kernelGradient = Tensor(shape: kernel.shape, storage: withL2(kgrad))
        biasGradient = Tensor(shape: bias.shape, storage: bgrad)
        return inputGradient ? Tensor(shape: x.shape, storage: dx) : nil
    }
}
