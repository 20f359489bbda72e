import XCTest
import NeuralNet

/// Inference of 3×3 convolutions over 8 or more channels takes Winograd F(2×2, 3×3) where a unit has
/// enough tiles. It must compute the convolution (checked against a plain sum in Double), whatever the
/// padding, odd sizes (partial tiles), channel counts that are not a multiple of the SIMD width, fused
/// BatchNorm and pooling, batch grouping or bands; and it must follow the kernel when the kernel changes.
final class WinogradTests: XCTestCase {
    static func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        GradientCheckTests.random(shape, seed: seed, scale: scale)
    }

    /// y = act(conv(x) + bias), then (optionally) the folded affine and 2×2 max-pool, in Double.
    static func reference(_ conv: Conv2D, _ x: Tensor, affine: (scale: [Float], shift: [Float])?, pool: Bool) -> [Double] {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let cout = conv.kernel.shape[3]
        let pad = conv.padding == .same ? 1 : 0
        let (oh, ow) = conv.padding == .same ? (h, w) : (h - 2, w - 2)
        var y = [Double](repeating: 0, count: n * oh * ow * cout)
        for b in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<cout {
            var s = Double(conv.bias.storage[o])
            for ky in 0..<3 { for kx in 0..<3 {
                let iy = oy + ky - pad, ix = ox + kx - pad
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                for i in 0..<c {
                    s += Double(x.storage[((b * h + iy) * w + ix) * c + i]) * Double(conv.kernel.storage[((ky * 3 + kx) * c + i) * cout + o])
                }
            }}
            if conv.activation == .relu { s = max(s, 0) }
            if let affine { s = s * Double(affine.scale[o]) + Double(affine.shift[o]) }
            y[((b * oh + oy) * ow + ox) * cout + o] = s
        }}}}
        guard pool else { return y }
        let (ph, pw) = (oh / 2, ow / 2)
        var pooled = [Double](repeating: 0, count: n * ph * pw * cout)
        for b in 0..<n { for py in 0..<ph { for px in 0..<pw { for o in 0..<cout {
            pooled[((b * ph + py) * pw + px) * cout + o] = [(0, 0), (0, 1), (1, 0), (1, 1)]
                .map { y[((b * oh + 2 * py + $0.0) * ow + 2 * px + $0.1) * cout + o] }.max()!
        }}}}
        return pooled
    }

    func testWinogradComputesTheConvolution() {
        // (batch, h, w, in, out, padding, pool, path): whole images grouped per unit (batch ≥ 2), bands of
        // one image, odd sizes (partial tiles), channel tails (33, 41, 13), valid and same padding, both
        // tile sizes (4×4 where a unit gets 64 tiles of them, else 2×2).
        let cases: [(Int, Int, Int, Int, Int, Conv2D.Padding, Bool, Conv2D.InferencePath)] = [
            (5, 17, 17, 8, 16, .same, false, .winograd4), (3, 19, 23, 33, 13, .valid, true, .winograd2),
            (1, 24, 30, 32, 64, .same, true, .winograd2), (1, 31, 27, 16, 8, .valid, false, .winograd2),
            (4, 12, 20, 64, 24, .same, true, .winograd2), (2, 36, 40, 16, 24, .same, true, .winograd4),
            (3, 27, 33, 41, 12, .valid, false, .winograd4), (1, 64, 48, 16, 16, .same, true, .winograd4),
        ]
        for (seed, (n, h, w, cin, cout, padding, pool, path)) in cases.enumerated() {
            var rng = SeededGenerator(seed: UInt64(100 + seed))
            var conv = Conv2D(name: "c", inChannels: cin, outChannels: cout, padding: padding, activation: .relu, rng: &rng)
            conv.setVariable("bias", Self.random([cout], seed: UInt64(200 + seed), scale: 0.2))
            let affine = (scale: Self.random([cout], seed: UInt64(300 + seed)).storage,
                          shift: Self.random([cout], seed: UInt64(400 + seed)).storage)
            let x = Self.random([n, h, w, cin], seed: UInt64(500 + seed))
            let shape = "\(n)×\(h)×\(w)×\(cin) → \(cout) \(padding) pool \(pool)"
            XCTAssertEqual(conv.inferencePath(inputShape: x.shape, pool: pool), path, shape)
            for folded in [false, true] {
                let y = conv.inference(x, affine: folded ? affine : nil, pool: pool)
                let expected = Self.reference(conv, x, affine: folded ? affine : nil, pool: pool)
                XCTAssertEqual(y.count, expected.count, shape)
                let worst = zip(y.storage, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? .infinity
                print("winograd \(shape) affine \(folded): worst relative error \(worst)")
                // F(4×4)'s transforms carry coefficients up to 8 (and 1/24 in the kernel's): its float
                // error is about ten times F(2×2)'s (measured: 3.5–12.7·10⁻⁶ against 3–8·10⁻⁷).
                XCTAssertLessThanOrEqual(worst, path == .winograd4 ? 3e-5 : 2e-6, "\(shape), affine \(folded)")
            }
        }
    }

    /// Where Winograd does not pay (a few tiles per unit, few channels, not 3×3) inference stays on im2col
    /// or the direct kernel.
    func testSmallUnitsAndThinInputsKeepTheirPaths() {
        var rng = SeededGenerator(seed: 7)
        let wide = Conv2D(name: "w", inChannels: 128, outChannels: 256, padding: .same, rng: &rng)
        XCTAssertEqual(wide.inferencePath(inputShape: [1, 8, 8, 128], pool: true), .im2col, "8×8 at batch 1: 8 tiles a band")
        XCTAssertEqual(wide.inferencePath(inputShape: [32, 8, 8, 128], pool: true), .winograd4, "the same layer at batch 32")
        let thin = Conv2D(name: "t", inChannels: 4, outChannels: 16, padding: .same, rng: &rng)
        XCTAssertEqual(thin.inferencePath(inputShape: [32, 64, 64, 4]), .im2col)
        let single = Conv2D(name: "s", inChannels: 1, outChannels: 16, padding: .same, rng: &rng)
        XCTAssertEqual(single.inferencePath(inputShape: [32, 64, 64, 1]), .direct)
        let five = Conv2D(name: "f", inChannels: 32, outChannels: 16, kernelSize: 5, padding: .same, rng: &rng)
        XCTAssertEqual(five.inferencePath(inputShape: [32, 64, 64, 32]), .im2col)
    }

    /// The transformed kernel is made once per kernel: a new kernel is used at once, and a copy made
    /// before the change keeps computing with the old one.
    func testTransformedKernelFollowsTheKernel() {
        var rng = SeededGenerator(seed: 8)
        var conv = Conv2D(name: "c", inChannels: 16, outChannels: 16, padding: .same, rng: &rng)
        let x = Self.random([4, 16, 16, 16], seed: 9)
        XCTAssertEqual(conv.inferencePath(inputShape: x.shape), .winograd2)
        let before = conv.inference(x)
        let copy = conv
        conv.setVariable("kernel", Self.random([3, 3, 16, 16], seed: 10))
        let after = conv.inference(x)
        let expected = Self.reference(conv, x, affine: nil, pool: false)
        XCTAssertLessThanOrEqual(zip(after.storage, expected).map { abs(Double($0) - $1) }.max()!, 1e-5)
        XCTAssertEqual(copy.inference(x).storage, before.storage, "the copy keeps its own kernel's transform")
    }
}
