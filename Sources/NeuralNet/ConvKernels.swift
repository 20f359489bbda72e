/// Low-level convolution helpers shared by Conv2D and Conv2DTranspose: patch gathering (im2col),
/// patch scattering (col2im), and the bias/activation epilogue. Everything is NHWC, row-major.
enum ConvKernels {
    /// The largest im2col workspace (in floats) one GEMM chunk may use: whole images are grouped
    /// into chunks below this size so the batch runs as a few large GEMMs without a huge buffer.
    static let workspaceBudget = 1 << 22

    /// Geometry of one stride-1 convolution over a single image.
    struct Geometry {
        var h, w, c: Int        // input
        var kh, kw: Int
        var padTop, padLeft: Int
        var oh, ow: Int         // output
        var patch: Int { kh * kw * c }
    }

    /// Gathers the kh×kw×c patch of every output pixel of one image into `cols`
    /// (row = output pixel, column = (ky·kw + kx)·c + ci, matching a Keras kernel [kh,kw,in,out]).
    static func im2col(_ g: Geometry, input: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>) {
        let c = g.c
        var dst = cols
        for oy in 0..<g.oh {
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

    /// The adjoint of `im2col`: adds every patch row of `cols` back onto the image `output`
    /// (which the caller has zeroed or holds a partial sum).
    static func col2im(_ g: Geometry, cols: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let c = g.c
        var src = cols
        for oy in 0..<g.oh {
            for ox in 0..<g.ow {
                for ky in 0..<g.kh {
                    let iy = oy + ky - g.padTop
                    if iy < 0 || iy >= g.h { src += g.kw * c; continue }
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

    /// out[r, j] = act(out[r, j] + bias[j]) over `rows` rows of `cols` channels.
    static func biasActivation(_ out: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                               bias: UnsafePointer<Float>, activation: Activation) {
        var p = out
        switch activation {
        case .relu:
            for _ in 0..<rows {
                for j in 0..<cols { p[j] = max(p[j] + bias[j], 0) }
                p += cols
            }
        case .linear, .sigmoid:
            for _ in 0..<rows {
                for j in 0..<cols { p[j] += bias[j] }
                p += cols
            }
            if activation == .sigmoid {
                activation.apply(UnsafeMutableBufferPointer(start: out, count: rows * cols))
            }
        }
    }

    /// Column sums of a rows×cols matrix (the bias gradient), accumulated in Double.
    static func columnSums(_ m: UnsafePointer<Float>, rows: Int, cols: Int) -> [Float] {
        var acc = [Double](repeating: 0, count: cols)
        acc.withUnsafeMutableBufferPointer { a in
            var p = m
            for _ in 0..<rows {
                for j in 0..<cols { a[j] += Double(p[j]) }
                p += cols
            }
        }
        return acc.map { Float($0) }
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
