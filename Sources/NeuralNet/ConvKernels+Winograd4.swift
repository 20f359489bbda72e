/// Winograd F(4×4, 3×3) (Lavin & Gray 2015): a 4×4 block of outputs from a 6×6 input tile with 36
/// multiplications per channel pair instead of 144 — 1.78× fewer than F(2×2, 3×3) — at the cost of
/// larger transforms with coefficients up to 8 (float error ≈ 10⁻⁶ relative, checked in WinogradTests):
///
///     Bᵀ = [4  0 −5  0  1  0]     G = [ 1/4     0     0  ]     Aᵀ = [1  1  1  1  1  0]
///          [0 −4 −4  1  1  0]         [−1/6  −1/6  −1/6 ]          [0  1 −1  2 −2  0]
///          [0  4 −4 −1  1  0]         [−1/6   1/6  −1/6 ]          [0  1  1  4  4  0]
///          [0 −2 −1  2  1  0]         [ 1/24  1/12  1/6 ]          [0  1 −1  8 −8  1]
///          [0  2 −1 −2  1  0]         [ 1/24 −1/12  1/6 ]
///          [0  4  0 −5  0  1]         [ 0     0     1   ]
///
/// Same layouts as `Winograd` (F(2×2, 3×3)): U and V as 36 matrices [in × out] and [tile × in], M as
/// [tile × out]; channels innermost, eight at a time in SIMD registers.
enum Winograd4 {
    static let positions = 36

    /// U_ξ = (G g Gᵀ)_ξ for every (in, out) pair of a Keras kernel [3, 3, in, out], computed in Double.
    static func transformKernel(_ k: UnsafePointer<Float>, cin: Int, cout: Int, into u: UnsafeMutablePointer<Float>) {
        let gm: [[Double]] = [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                              [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        let pair = cin * cout
        var g = [Double](repeating: 0, count: 9), gl = [Double](repeating: 0, count: 18)
        for i in 0..<cin {
            for o in 0..<cout {
                for tap in 0..<9 { g[tap] = Double(k[tap * pair + i * cout + o]) }
                for r in 0..<6 { for c in 0..<3 { gl[r * 3 + c] = (0..<3).reduce(0) { $0 + gm[r][$1] * g[$1 * 3 + c] } } }
                for r in 0..<6 { for c in 0..<6 {
                    u[(r * 6 + c) * pair + i * cout + o] = Float((0..<3).reduce(0) { $0 + gl[r * 3 + $1] * gm[c][$1] })
                }}
            }
        }
    }

    /// V_ξ for the 4×4-output tiles of output rows [y0, y0 + 4·tilesY) and every column of one image,
    /// from `v` on, `tileStride` tiles per ξ; taps outside the image read as zero. `scratch`: 36·8 floats.
    static func transformInput(_ g: ConvKernels.Geometry, input: UnsafePointer<Float>, y0: Int, tilesY: Int, tilesX: Int,
                               zeros: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, tileStride: Int,
                               scratch: UnsafeMutablePointer<Float>) {
        let c = g.c
        Winograd.forEachInputTile(g, input: input, y0: y0, tilesY: tilesY, tilesX: tilesX, tile: 4, zeros: zeros) { d, t in
            let out = v + t * c
            var k = 0
            while k + 8 <= c {
                inputLanes(d, at: k, out: out, stride: tileStride * c, scratch: scratch, SIMD8<Float>.self)
                k += 8
            }
            while k < c {
                inputLanes(d, at: k, out: out, stride: tileStride * c, scratch: scratch, SIMD1.self)
                k += 1
            }
        }
    }

    /// Bᵀ applied to six lanes.
    @inline(__always)
    private static func bt<V: SIMDLanes>(_ d0: V, _ d1: V, _ d2: V, _ d3: V, _ d4: V, _ d5: V) -> (V, V, V, V, V, V) {
        let four = V.splat(4), five = V.splat(5), two = V.splat(2)
        let a = d4 - d2 * four, b = d3 - d1 * four        // rows 1 and 2: a ± b·… share d4 − 4 d2 and d3 − 4 d1
        let c = d4 - d2, e = (d3 - d1) * two
        return (d0 * four - d2 * five + d4, a + b, a - b, c + e, c - e, d1 * four - d3 * five + d5)
    }

    @inline(__always)
    private static func inputLanes<V: SIMDLanes>(_ d: UnsafePointer<UnsafePointer<Float>>, at k: Int,
                                               out: UnsafeMutablePointer<Float>, stride: Int,
                                               scratch: UnsafeMutablePointer<Float>, _: V.Type) {
        let w = MemoryLayout<V>.stride / MemoryLayout<Float>.stride
        func x(_ i: Int) -> V { V.load(d[i] + k) }
        // Bᵀ d: each column of the tile (six rows) into scratch[row·6 + column]
        for j in 0..<6 {
            let t = bt(x(j), x(6 + j), x(12 + j), x(18 + j), x(24 + j), x(30 + j))
            t.0.store(scratch + (0 * 6 + j) * w); t.1.store(scratch + (1 * 6 + j) * w); t.2.store(scratch + (2 * 6 + j) * w)
            t.3.store(scratch + (3 * 6 + j) * w); t.4.store(scratch + (4 * 6 + j) * w); t.5.store(scratch + (5 * 6 + j) * w)
        }
        // (Bᵀ d) B: each row
        let o = out + k
        for r in 0..<6 {
            func s(_ j: Int) -> V { V.load(scratch + (r * 6 + j) * w) }
            let t = bt(s(0), s(1), s(2), s(3), s(4), s(5))
            let row = o + r * 6 * stride
            t.0.store(row); t.1.store(row + stride); t.2.store(row + 2 * stride)
            t.3.store(row + 3 * stride); t.4.store(row + 4 * stride); t.5.store(row + 5 * stride)
        }
    }

    /// Aᵀ M A for every tile of one image's band into z ([rows × width × cout], no bias), leaving out
    /// outputs past `rows` or `width`. `scratch`: 24·8 + 16·cout floats.
    static func transformOutput(_ m: UnsafePointer<Float>, tilesY: Int, tilesX: Int, cout: Int, tileStride: Int,
                                rows: Int, width: Int, into z: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let stride = tileStride * cout
        let lanes = scratch, partial = scratch + 24 * 8
        var targets = [UnsafeMutablePointer<Float>](repeating: partial, count: 16)
        for ty in 0..<tilesY {
            for tx in 0..<tilesX {
                let t = m + (ty * tilesX + tx) * cout
                let (y, x) = (4 * ty, 4 * tx)
                let full = y + 3 < rows && x + 3 < width
                for i in 0..<4 { for j in 0..<4 {
                    targets[i * 4 + j] = full ? z + ((y + i) * width + x + j) * cout : partial + (i * 4 + j) * cout
                }}
                targets.withUnsafeBufferPointer { p in
                    var k = 0
                    while k + 8 <= cout {
                        outputLanes(t, at: k, stride: stride, p.baseAddress!, scratch: lanes, SIMD8<Float>.self)
                        k += 8
                    }
                    while k < cout {
                        outputLanes(t, at: k, stride: stride, p.baseAddress!, scratch: lanes, SIMD1.self)
                        k += 1
                    }
                }
                if !full {
                    for i in 0..<4 where y + i < rows { for j in 0..<4 where x + j < width {
                        (z + ((y + i) * width + x + j) * cout).update(from: partial + (i * 4 + j) * cout, count: cout)
                    }}
                }
            }
        }
    }

    /// Aᵀ applied to six lanes.
    @inline(__always)
    private static func at<V: SIMDLanes>(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V) -> (V, V, V, V) {
        let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
        return (m0 + a + c, b + d * V.splat(2), a + c * V.splat(4), b + d * V.splat(8) + m5)
    }

    @inline(__always)
    private static func outputLanes<V: SIMDLanes>(_ t: UnsafePointer<Float>, at k: Int, stride: Int,
                                                _ y: UnsafePointer<UnsafeMutablePointer<Float>>,
                                                scratch: UnsafeMutablePointer<Float>, _: V.Type) {
        let w = MemoryLayout<V>.stride / MemoryLayout<Float>.stride
        func m(_ xi: Int) -> V { V.load(t + xi * stride + k) }
        // Aᵀ M: each column (six rows) into scratch[row·6 + column], four rows
        for j in 0..<6 {
            let r = at(m(j), m(6 + j), m(12 + j), m(18 + j), m(24 + j), m(30 + j))
            r.0.store(scratch + j * w); r.1.store(scratch + (6 + j) * w)
            r.2.store(scratch + (12 + j) * w); r.3.store(scratch + (18 + j) * w)
        }
        // (Aᵀ M) A: each row
        for i in 0..<4 {
            func s(_ j: Int) -> V { V.load(scratch + (i * 6 + j) * w) }
            let r = at(s(0), s(1), s(2), s(3), s(4), s(5))
            r.0.store(y[i * 4] + k); r.1.store(y[i * 4 + 1] + k); r.2.store(y[i * 4 + 2] + k); r.3.store(y[i * 4 + 3] + k)
        }
    }
}
