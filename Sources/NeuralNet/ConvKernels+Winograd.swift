/// Winograd F(2×2, 3×3) (Lavin & Gray 2015): a 2×2 block of a 3×3 convolution's outputs from a 4×4
/// input tile with 16 multiplications per (input, output) channel pair instead of 36. With d the 4×4
/// tile, g the 3×3 kernel and
///
///     Bᵀ = [1  0 −1  0]      G = [1    0    0  ]      Aᵀ = [1  1  1  0]
///          [0  1  1  0]          [½    ½    ½  ]           [0  1 −1 −1]
///          [0 −1  1  0]          [½   −½    ½  ]
///          [0  1  0 −1]          [0    0    1  ]
///
/// the outputs are Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A. Summed over input channels, the element-wise
/// product becomes 16 independent matrix products (one per position ξ of the 4×4 transformed tile):
/// M_ξ[tile, out] = Σ_in V_ξ[tile, in] · U_ξ[in, out] — SGEMMs with K = input channels over a 2.25×
/// smaller multiply count than im2col's K = 9·input channels. Channels are the innermost (contiguous)
/// dimension of every buffer here (NHWC), so each transform is a loop over channels that the compiler
/// vectorises. Inference only: training keeps im2col, whose backward pass these transforms do not have.
enum Winograd {
    /// Positions of the transformed tile.
    static let positions = 16

    /// U_ξ = (G g Gᵀ)_ξ for every (in, out) pair of a Keras kernel [3, 3, in, out], laid out as 16
    /// matrices [in × out] one after another.
    static func transformKernel(_ k: UnsafePointer<Float>, cin: Int, cout: Int, into u: UnsafeMutablePointer<Float>) {
        let pair = cin * cout
        for i in 0..<cin {
            let g = (0..<9).map { k + $0 * pair + i * cout }
            let out = (0..<16).map { u + $0 * pair + i * cout }
            for o in 0..<cout {
                // G g: rows of the kernel combined (4 × 3)
                let a0 = g[0][o], a1 = g[1][o], a2 = g[2][o]
                let c0 = g[6][o], c1 = g[7][o], c2 = g[8][o]
                let p0 = 0.5 * (a0 + g[3][o] + c0), p1 = 0.5 * (a1 + g[4][o] + c1), p2 = 0.5 * (a2 + g[5][o] + c2)
                let q0 = 0.5 * (a0 - g[3][o] + c0), q1 = 0.5 * (a1 - g[4][o] + c1), q2 = 0.5 * (a2 - g[5][o] + c2)
                // (G g) Gᵀ, row by row: [x, ½(x + y + z), ½(x − y + z), z]
                func row(_ r: Int, _ x: Float, _ y: Float, _ z: Float) {
                    out[r * 4][o] = x
                    out[r * 4 + 1][o] = 0.5 * (x + y + z)
                    out[r * 4 + 2][o] = 0.5 * (x - y + z)
                    out[r * 4 + 3][o] = z
                }
                row(0, a0, a1, a2); row(1, p0, p1, p2); row(2, q0, q1, q2); row(3, c0, c1, c2)
            }
        }
    }

    /// V_ξ for the 2×2-output tiles of output rows [y0, y0 + 2·tilesY) and every column of one image:
    /// V is laid out [ξ][tile][channel] (tile = ty·tilesX + tx from `v` on), `tileStride` tiles per ξ.
    /// Input taps outside the image (padding, or beyond a partial last tile) read as zero.
    static func transformInput(_ g: ConvKernels.Geometry, input: UnsafePointer<Float>, y0: Int, tilesY: Int, tilesX: Int,
                               zeros: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, tileStride: Int) {
        forEachInputTile(g, input: input, y0: y0, tilesY: tilesY, tilesX: tilesX, tile: 2, zeros: zeros) { d, t in
            transformTile(d, channels: g.c, out: v + t * g.c, stride: tileStride * g.c)
        }
    }

    /// Calls `body(pixels, t)` for tile t = ty·tilesX + tx of output rows [y0, y0 + tile·tilesY) of one
    /// image, `pixels[i·side + j]` pointing at the channels of input pixel (i, j) of its side×side
    /// patch (side = tile + 2), or at `zeros` where that pixel is outside the image.
    static func forEachInputTile(_ g: ConvKernels.Geometry, input: UnsafePointer<Float>, y0: Int, tilesY: Int, tilesX: Int,
                                 tile: Int, zeros: UnsafePointer<Float>,
                                 _ body: (UnsafePointer<UnsafePointer<Float>>, Int) -> Void) {
        let side = tile + 2
        var pixels = [UnsafePointer<Float>](repeating: zeros, count: side * side)
        pixels.withUnsafeMutableBufferPointer { p in
            for ty in 0..<tilesY {
                for tx in 0..<tilesX {
                    let iy0 = y0 + tile * ty - g.padTop, ix0 = tile * tx - g.padLeft
                    for i in 0..<side {
                        let iy = iy0 + i
                        for j in 0..<side {
                            let ix = ix0 + j
                            p[i * side + j] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? input + (iy * g.w + ix) * g.c : zeros
                        }
                    }
                    body(UnsafePointer(p.baseAddress!), ty * tilesX + tx)
                }
            }
        }
    }

    /// Bᵀ d B for one tile over `channels`: d[i·4 + j] points at the tile's pixel (i, j); output ξ goes
    /// to out + ξ·stride. Eight channels at a time in SIMD registers (the compiler does not vectorise
    /// the sixteen-pointer loop by itself), the rest one by one.
    @inline(__always)
    private static func transformTile(_ d: UnsafePointer<UnsafePointer<Float>>, channels: Int,
                                      out: UnsafeMutablePointer<Float>, stride: Int) {
        var k = 0
        while k + 8 <= channels {
            transformTileLanes(d, at: k, out: out, stride: stride, SIMD8<Float>.self)
            k += 8
        }
        while k < channels {
            transformTileLanes(d, at: k, out: out, stride: stride, SIMD1.self)
            k += 1
        }
    }

    @inline(__always)
    private static func transformTileLanes<V: SIMDLanes>(_ d: UnsafePointer<UnsafePointer<Float>>, at k: Int,
                                                       out: UnsafeMutablePointer<Float>, stride: Int, _: V.Type) {
        func x(_ i: Int) -> V { V.load(d[i] + k) }
        // Bᵀ d, four rows of four
        let a0 = x(0) - x(8), a1 = x(1) - x(9), a2 = x(2) - x(10), a3 = x(3) - x(11)
        let b0 = x(4) + x(8), b1 = x(5) + x(9), b2 = x(6) + x(10), b3 = x(7) + x(11)
        let c0 = x(8) - x(4), c1 = x(9) - x(5), c2 = x(10) - x(6), c3 = x(11) - x(7)
        let e0 = x(4) - x(12), e1 = x(5) - x(13), e2 = x(6) - x(14), e3 = x(7) - x(15)
        // (Bᵀ d) B, row by row
        let o = out + k
        func put(_ xi: Int, _ value: V) { value.store(o + xi * stride) }
        put(0, a0 - a2); put(1, a1 + a2); put(2, a2 - a1); put(3, a1 - a3)
        put(4, b0 - b2); put(5, b1 + b2); put(6, b2 - b1); put(7, b1 - b3)
        put(8, c0 - c2); put(9, c1 + c2); put(10, c2 - c1); put(11, c1 - c3)
        put(12, e0 - e2); put(13, e1 + e2); put(14, e2 - e1); put(15, e1 - e3)
    }

    /// Aᵀ M A for every tile of one image's band: M laid out [ξ][tile][out] (`tileStride` tiles per ξ), written into
    /// z, the band's [rows × width × cout] output (no bias), leaving out tile outputs past `rows` or
    /// `width`.
    static func transformOutput(_ m: UnsafePointer<Float>, tilesY: Int, tilesX: Int, cout: Int, tileStride: Int,
                                rows: Int, width: Int, into z: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let stride = tileStride * cout
        for ty in 0..<tilesY {
            for tx in 0..<tilesX {
                let t = m + (ty * tilesX + tx) * cout
                let (y, x) = (2 * ty, 2 * tx)
                let full = y + 1 < rows && x + 1 < width
                let p00 = full ? z + (y * width + x) * cout : scratch
                let p01 = full ? p00 + cout : scratch + cout
                let p10 = full ? p00 + width * cout : scratch + 2 * cout
                let p11 = full ? p10 + cout : scratch + 3 * cout
                transformOutputTile(t, stride: stride, cout: cout, p00, p01, p10, p11)
                if !full {
                    for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] where y + i < rows && x + j < width {
                        (z + ((y + i) * width + x + j) * cout).update(from: scratch + (i * 2 + j) * cout, count: cout)
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func transformOutputTile(_ t: UnsafePointer<Float>, stride: Int, cout: Int,
                                            _ y00: UnsafeMutablePointer<Float>, _ y01: UnsafeMutablePointer<Float>,
                                            _ y10: UnsafeMutablePointer<Float>, _ y11: UnsafeMutablePointer<Float>) {
        var k = 0
        while k + 8 <= cout {
            transformOutputLanes(t, at: k, stride: stride, y00, y01, y10, y11, SIMD8<Float>.self)
            k += 8
        }
        while k < cout {
            transformOutputLanes(t, at: k, stride: stride, y00, y01, y10, y11, SIMD1.self)
            k += 1
        }
    }

    @inline(__always)
    private static func transformOutputLanes<V: SIMDLanes>(_ t: UnsafePointer<Float>, at k: Int, stride: Int,
                                                         _ y00: UnsafeMutablePointer<Float>, _ y01: UnsafeMutablePointer<Float>,
                                                         _ y10: UnsafeMutablePointer<Float>, _ y11: UnsafeMutablePointer<Float>,
                                                         _: V.Type) {
        func m(_ xi: Int) -> V { V.load(t + xi * stride + k) }
        // Aᵀ M: two rows of four
        let s0 = m(0) + m(4) + m(8), s1 = m(1) + m(5) + m(9), s2 = m(2) + m(6) + m(10), s3 = m(3) + m(7) + m(11)
        let r0 = m(4) - m(8) - m(12), r1 = m(5) - m(9) - m(13), r2 = m(6) - m(10) - m(14), r3 = m(7) - m(11) - m(15)
        // (Aᵀ M) A
        (s0 + s1 + s2).store(y00 + k); (s1 - s2 - s3).store(y01 + k)
        (r0 + r1 + r2).store(y10 + k); (r1 - r2 - r3).store(y11 + k)
    }
}

/// Loads and stores of a few consecutive floats, unaligned: SIMD8 for the body of a channel loop,
/// SIMD1 for its tail, so one generic transform serves both.
protocol SIMDLanes {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func splat(_ value: Float) -> Self
    static func load(_ p: UnsafePointer<Float>) -> Self
    func store(_ p: UnsafeMutablePointer<Float>)
}

extension SIMD8: SIMDLanes where Scalar == Float {
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
    @inline(__always) static func splat(_ value: Float) -> Self { Self(repeating: value) }
}

/// One float as a lane set (the channel loops' tails).
struct SIMD1: SIMDLanes {
    var value: Float
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { SIMD1(value: p.pointee) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { p.pointee = value }
    @inline(__always) static func + (a: SIMD1, b: SIMD1) -> SIMD1 { SIMD1(value: a.value + b.value) }
    @inline(__always) static func - (a: SIMD1, b: SIMD1) -> SIMD1 { SIMD1(value: a.value - b.value) }
    @inline(__always) static func * (a: SIMD1, b: SIMD1) -> SIMD1 { SIMD1(value: a.value * b.value) }
    @inline(__always) static func splat(_ value: Float) -> SIMD1 { SIMD1(value: value) }
}
