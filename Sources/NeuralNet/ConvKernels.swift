import Foundation
import KernelPointers

/// Low-level convolution helpers shared by Conv2D and Conv2DTranspose: patch gathering (im2col),
/// patch scattering (col2im), and the bias/activation epilogue. Everything is NHWC, row-major.
enum ConvKernels {
    /// Geometry of one stride-1 convolution over a single image.
    struct Geometry {
        var h, w, c: Int        // input
        var kh, kw: Int
        var padTop, padLeft: Int
        var oh, ow: Int         // output
        var patch: Int { kh * kw * c }

        /// Calls `body(tap, inputPixel)` for every kernel tap (ky·kw + kx) of output pixel (oy, ox) that
        /// lands inside the input (padding taps are skipped); `inputPixel` = iy·w + ix.
        @inline(__always)
        func forEachTap(oy: Int, ox: Int, _ body: (_ tap: Int, _ inputPixel: Int) -> Void) {
            for ky in 0..<kh {
                let iy = oy + ky - padTop
                if iy < 0 || iy >= h { continue }
                for kx in 0..<kw {
                    let ix = ox + kx - padLeft
                    if ix < 0 || ix >= w { continue }
                    body(ky * kw + kx, iy * w + ix)
                }
            }
        }
    }

    /// Gathers the kh×kw×c patch of every output pixel of one image into `cols`
    /// (row = output pixel, column = (ky·kw + kx)·c + ci, matching a Keras kernel [kh,kw,in,out]).
    /// Only output rows `rows` are gathered (default all); the first of them lands at `cols`.
    static func im2col(_ g: Geometry, input: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>,
                       rows: Range<Int>? = nil) {
        let c = g.c
        var dst = cols
        for oy in rows ?? 0..<g.oh {
            for ox in 0..<g.ow {
                for ky in 0..<g.kh {
                    let iy = oy + ky - g.padTop
                    if iy < 0 || iy >= g.h {
                        dst.initialize(repeating: 0, count: g.kw * c)
                        dst += g.kw * c
                        continue
                    }
                    let rowBase = input + iy * g.w * c
                    for kx in 0..<g.kw {
                        let ix = ox + kx - g.padLeft
                        if ix < 0 || ix >= g.w {
                            dst.initialize(repeating: 0, count: c)
                        } else {
                            dst.update(from: rowBase + ix * c, count: c)
                        }
                        dst += c
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col` for output rows `rows` of one image: every patch entry of `cols` (laid out
    /// as `im2col` gathers them, first row at `cols`) is added onto the input pixel it came from.
    /// Bands of rows run one after another on one core (neighbouring bands touch shared input rows).
    static func col2imAdd(_ g: Geometry, cols: UnsafePointer<Float>, rows: Range<Int>, output: UnsafeMutablePointer<Float>) {
        let c = g.c
        var src = cols
        for oy in rows {
            for ox in 0..<g.ow {
                for ky in 0..<g.kh {
                    let iy = oy + ky - g.padTop
                    if iy < 0 || iy >= g.h {
                        src += g.kw * c
                        continue
                    }
                    let rowBase = output + iy * g.w * c
                    for kx in 0..<g.kw {
                        let ix = ox + kx - g.padLeft
                        if ix >= 0 && ix < g.w {
                            let d = rowBase + ix * c
                            for ci in 0..<c { d[ci] += src[ci] }
                        }
                        src += c
                    }
                }
            }
        }
    }

    /// Direct convolution for a single input channel (first layers on grey images), where an
    /// im2col GEMM would have K = kh·kw (too thin for SGEMM): out[p, :] = Σ_taps x[tap]·K[tap, :],
    /// for output rows `rows` of one image, written from `out` on (no bias). Every path sums the taps in
    /// the same order with fused multiply-adds, so a pixel gets the same bits whichever path computes it.
    static func directSingleChannel(_ g: Geometry, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
                                    cout: Int, rows: Range<Int>, out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let aligned = cout % 16 == 0 && Int(bitPattern: kernel) % MemoryLayout<V>.alignment == 0
            && Int(bitPattern: out) % MemoryLayout<V>.alignment == 0
        if aligned {
            // 16 output channels per vector register (rebinding, not unaligned loads: those do not vectorise).
            let blocks = cout / 16
            kernel.withMemoryRebound(to: V.self, capacity: g.kh * g.kw * blocks) { kv in
            out.withMemoryRebound(to: V.self, capacity: rows.count * g.ow * blocks) { ov in
                var o = ov
                for oy in rows {
                    let rowInside = oy - g.padTop >= 0 && oy - g.padTop + g.kh <= g.h
                    var ox = 0
                    while ox < g.ow {
                        let x0 = ox - g.padLeft
                        if blocks == 2 && rowInside && x0 >= 0 && x0 + 1 + g.kw <= g.w {
                            interiorPair32(g, input: input, kv: kv, oy: oy, x0: x0, out: o)
                            o += 4
                            ox += 2
                            continue
                        }
                        defer { ox += 1 }
                        if blocks == 2 && rowInside && x0 >= 0 && x0 + g.kw <= g.w {
                            // Interior pixel, 32 channels: two accumulators share each broadcast tap.
                            var a0 = V(repeating: 0), a1 = V(repeating: 0)
                            var t = 0
                            for ky in 0..<g.kh {
                                let src = input + (oy - g.padTop + ky) * g.w + x0
                                for kx in 0..<g.kw {
                                    let v = V(repeating: src[kx])
                                    a0.addProduct(v, kv[2 * t])
                                    a1.addProduct(v, kv[2 * t + 1])
                                    t += 1
                                }
                            }
                            o[0] = a0
                            o[1] = a1
                            o += 2
                            continue
                        }
                        for blk in 0..<blocks {
                            var acc = V(repeating: 0)
                            g.forEachTap(oy: oy, ox: ox) { tap, pixel in
                                acc.addProduct(V(repeating: input[pixel]), kv[tap * blocks + blk])
                            }
                            o[blk] = acc
                        }
                        o += blocks
                    }
                }
            }}
            return
        }
        var o = out
        for oy in rows {
            for ox in 0..<g.ow {
                for j in 0..<cout { o[j] = 0 }
                g.forEachTap(oy: oy, ox: ox) { tap, pixel in
                    let v = input[pixel]
                    let k = kernel + tap * cout
                    for j in 0..<cout { o[j].addProduct(v, k[j]) }
                }
                o += cout
            }
        }
    }

    /// Two neighbouring interior output pixels (input columns from `x0`) of row `oy`, 32 channels: four
    /// independent fused multiply-add chains (eight AVX2 registers, so nothing spills), taps in the same
    /// order as the one-pixel paths.
    @inline(__always)
    private static func interiorPair32(_ g: Geometry, input: UnsafePointer<Float>, kv: UnsafePointer<SIMD16<Float>>,
                                       oy: Int, x0: Int, out o: UnsafeMutablePointer<SIMD16<Float>>) {
        typealias V = SIMD16<Float>
        var a0 = V(repeating: 0), a1 = a0, b0 = a0, b1 = a0
        var t = 0
        for ky in 0..<g.kh {
            let src = input + (oy - g.padTop + ky) * g.w + x0
            for kx in 0..<g.kw {
                let k0 = kv[2 * t], k1 = kv[2 * t + 1]
                let va = V(repeating: src[kx]), vb = V(repeating: src[kx + 1])
                a0.addProduct(va, k0); a1.addProduct(va, k1)
                b0.addProduct(vb, k0); b1.addProduct(vb, k1)
                t += 1
            }
        }
        o[0] = a0; o[1] = a1; o[2] = b0; o[3] = b1
    }

    /// Parameter-gradient contribution of one output row `oy` of a single-input-channel convolution,
    /// without im2col (whose K = kh·kw GEMM is thin and whose patch matrix is 9× the input):
    /// acc[tap, :] += x[p + tap]·dz[p, :] and acc[taps, :] += dz[p, :] over the row's pixels.
    /// `dz` holds the row (ow × cout); `acc` holds (kh·kw + 1) × cout floats.
    static func singleChannelRowGradients(_ g: Geometry, input x: UnsafePointer<Float>, oy: Int, cout: Int,
                                          dz: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let taps = g.kh * g.kw
        let aligned = cout % 16 == 0 && Int(bitPattern: dz) % MemoryLayout<V>.alignment == 0
            && Int(bitPattern: acc) % MemoryLayout<V>.alignment == 0
        if aligned {
            let blocks = cout / 16
            dz.withMemoryRebound(to: V.self, capacity: g.ow * blocks) { dv in
            acc.withMemoryRebound(to: V.self, capacity: (taps + 1) * blocks) { av in
                for ox in 0..<g.ow {
                    let d = dv + ox * blocks
                    for blk in 0..<blocks { av[taps * blocks + blk] += d[blk] }
                    for ky in 0..<g.kh {
                        let iy = oy + ky - g.padTop
                        if iy < 0 || iy >= g.h { continue }
                        let row = x + iy * g.w
                        for kx in 0..<g.kw {
                            let ix = ox + kx - g.padLeft
                            if ix < 0 || ix >= g.w { continue }
                            let v = V(repeating: row[ix])
                            let a = av + (ky * g.kw + kx) * blocks
                            for blk in 0..<blocks { a[blk] += v * d[blk] }
                        }
                    }
                }
            }}
            return
        }
        for ox in 0..<g.ow {
            let d = dz + ox * cout
            for j in 0..<cout { acc[taps * cout + j] += d[j] }
            g.forEachTap(oy: oy, ox: ox) { tap, pixel in
                let v = x[pixel]
                let a = acc + tap * cout
                for j in 0..<cout { a[j] += v * d[j] }
            }
        }
    }

    /// The inference epilogue of a conv block, fused so the full-resolution activation is touched once
    /// while in cache: v = act(z + bias)·scale + shift (scale/shift: a folded inference BatchNorm,
    /// optional) in place on `z`, then, if `pool`, a 2×2 max into `out`. `z` holds rows of `width`
    /// pixels × `cout`; only rows `zRows` are processed; output rows are written from `out`
    /// (width/2 pixels per row if pooling; without pooling `out` may equal the rows' start in `z`).
    /// `windows`, when pooling for training, receives each pooled value's position in its window.
    static func convEpilogue(z: UnsafeMutablePointer<Float>, zRows: Range<Int>, width: Int, cout: Int,
                             bias: UnsafePointer<Float>, activation: Activation,
                             scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?,
                             pool: Bool, out: UnsafeMutablePointer<Float>, windows: UnsafeMutablePointer<UInt8>? = nil) {
        let pixels = zRows.count * width
        let first = z + zRows.lowerBound * width * cout
        transform(first, pixels: pixels, cout: cout, bias: bias, activation: activation, scale: scale, shift: shift)
        if pool {
            if let windows {
                maxPool2x2(first, rows: zRows.count, width: width, cout: cout, out: out, windows: windows)
            } else {
                maxPool2x2(first, rows: zRows.count, width: width, cout: cout, out: out)
            }
        } else if out != first {
            out.update(from: first, count: pixels * cout)
        }
    }

    /// p = act(p + bias)·scale + shift over `pixels` × `cout`. Plain loops with the branches hoisted:
    /// the compiler vectorises these (explicit unaligned SIMD loads are far slower in Swift).
    static func transform(_ p: UnsafeMutablePointer<Float>, pixels: Int, cout: Int, bias: UnsafePointer<Float>,
                          activation: Activation, scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?) {
        var q = p
        switch (activation, scale, shift) {
        case (.relu, let s?, let t?):
            for _ in 0..<pixels {
                for j in 0..<cout { q[j] = max(q[j] + bias[j], 0) * s[j] + t[j] }
                q += cout
            }
        case (.relu, _, _):
            for _ in 0..<pixels {
                for j in 0..<cout { q[j] = max(q[j] + bias[j], 0) }
                q += cout
            }
        case (.linear, let s?, let t?):
            for _ in 0..<pixels {
                for j in 0..<cout { q[j] = (q[j] + bias[j]) * s[j] + t[j] }
                q += cout
            }
        case (.linear, _, _):
            for _ in 0..<pixels {
                for j in 0..<cout { q[j] += bias[j] }
                q += cout
            }
        case (.sigmoid, _, _):
            for _ in 0..<pixels {
                for j in 0..<cout { q[j] = Activation.sigmoid(q[j] + bias[j]) }
                if let scale, let shift { for j in 0..<cout { q[j] = q[j] * scale[j] + shift[j] } }
                q += cout
            }
        }
    }

    /// 2×2 stride-2 max over `rows` (even) rows of `width` pixels × `cout`.
    static func maxPool2x2(_ z: UnsafePointer<Float>, rows: Int, width: Int, cout: Int, out: UnsafeMutablePointer<Float>) {
        let ow = width / 2
        var o = out
        for r in stride(from: 0, to: rows - 1, by: 2) {
            let top = z + r * width * cout, bottom = top + width * cout
            for px in 0..<ow {
                let a = top + 2 * px * cout, b = a + cout, c = bottom + 2 * px * cout, d = c + cout
                for j in 0..<cout { o[j] = max(max(a[j], b[j]), max(c[j], d[j])) }
                o += cout
            }
        }
    }

    /// `maxPool2x2` that also records where each maximum sits in its window (0 top-left, 1 top-right,
    /// 2 bottom-left, 3 bottom-right; the first of equal values, as `MaxPool2D`), for the backward pass.
    static func maxPool2x2(_ z: UnsafePointer<Float>, rows: Int, width: Int, cout: Int, out: UnsafeMutablePointer<Float>,
                           windows: UnsafeMutablePointer<UInt8>) {
        let ow = width / 2
        var o = out, win = windows
        for r in stride(from: 0, to: rows - 1, by: 2) {
            let top = z + r * width * cout, bottom = top + width * cout
            for px in 0..<ow {
                let a = top + 2 * px * cout, b = a + cout, c = bottom + 2 * px * cout, d = c + cout
                for j in 0..<cout {
                    var best = a[j], at: UInt8 = 0
                    if b[j] > best { best = b[j]; at = 1 }
                    if c[j] > best { best = c[j]; at = 2 }
                    if d[j] > best { best = d[j]; at = 3 }
                    o[j] = best
                    win[j] = at
                }
                o += cout
                win += cout
            }
        }
    }

    /// Per-channel sums over the rows of a [rows, c] buffer, in parallel: Σ f(x) and Σ g(x, y) for the
    /// two accumulations the training pass needs. Blocks of rows are summed in Float (vectorised),
    /// blocks are combined in Double.
    static func channelSums(rows: Int, c: Int, _ accumulate: (Range<Int>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> ([Double], [Double]) {
        let parts = Parallel.partCount(rows, minimumPerWorker: 256)
        var partial = [Double](repeating: 0, count: parts * 2 * c)
        partial.withUnsafeMutableBufferPointer { pp in
            let box = UnsafeSendableBox(pp.baseAddress!)
            Parallel.parts(rows, minimumPerWorker: 256) { part, range in
                let s1 = box.value + part * 2 * c, s2 = s1 + c
                let a1 = UnsafeMutablePointer<Float>.allocate(capacity: 2 * c)
                defer { a1.deallocate() }
                let a2 = a1 + c
                var r = range.lowerBound
                while r < range.upperBound {
                    let r1 = min(range.upperBound, r + 64)
                    a1.initialize(repeating: 0, count: 2 * c)
                    accumulate(r..<r1, a1, a2)
                    for j in 0..<c { s1[j] += Double(a1[j]); s2[j] += Double(a2[j]) }
                    r = r1
                }
            }
        }
        var t1 = [Double](repeating: 0, count: c), t2 = t1
        for p in 0..<parts {
            for j in 0..<c { t1[j] += partial[p * 2 * c + j]; t2[j] += partial[p * 2 * c + c + j] }
        }
        return (t1, t2)
    }

    /// The pre-activation gradient dz = f'(y)·dy of a [rows, c] output (a new buffer: `dy` belongs to the
    /// caller) and its column sums (the bias gradient), in one parallel pass over cache-sized blocks
    /// instead of a copy, a masking pass and a summing pass over the full activation.
    static func activationGradient(_ dy: Tensor, output y: Tensor, activation: Activation,
                                   channels c: Int) -> (dz: Tensor, bias: [Float]) {
        precondition(dy.count == y.count && dy.count % max(1, c) == 0)
        let rows = dy.count / max(1, c)
        var bias: [Float] = []
        let dz = Tensor(shape: dy.shape) { out in
            withPointers(dy.storage, y.storage) { dy, y in
                let (sums, _) = channelSums(rows: rows, c: c) { rr, a1, _ in
                    let offset = rr.lowerBound * c, count = rr.count * c
                    let d = out.baseAddress! + offset
                    d.update(from: dy + offset, count: count)
                    activation.backward(UnsafeMutableBufferPointer(start: d, count: count),
                                        output: UnsafeBufferPointer(start: y + offset, count: count), parallel: false)
                    var p = d
                    for _ in rr { for j in 0..<c { a1[j] += p[j] }; p += c }
                }
                bias = sums.map { Float($0) }
            }
        }
        return (dz, bias)
    }
}

extension Tensor {
    /// A tensor whose storage the caller fills completely in `body` (no zeroing pass).
    @inlinable
    public init(shape: [Int], uninitialized body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        let storage = [Float](unsafeUninitializedCapacity: count) { buf, n in
            body(buf)
            n = count
        }
        self.init(shape: shape, storage: storage)
    }
}
