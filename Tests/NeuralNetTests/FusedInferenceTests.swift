import XCTest
import NeuralNet

/// The inference fast paths (direct single-channel conv, conv → BN → pool and convT → BN fused into
/// one epilogue) must compute exactly what the layers compute one by one.
final class FusedInferenceTests: XCTestCase {
    static func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        GradientCheckTests.random(shape, seed: seed, scale: scale)
    }

    static func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// Layer-by-layer inference without any fusion.
    static func unfused(_ seq: Sequential, _ x: Tensor) -> Tensor {
        var y = x
        for layer in seq.layers {
            if let conv = layer as? Conv2D {
                // The plain per-layer path: im2col/direct + bias + activation only.
                y = conv.inference(y)
            } else {
                y = layer.forward(y)
            }
        }
        return y
    }

    static func bn(_ name: String, _ c: Int, seed: UInt64) -> BatchNorm {
        var bn = BatchNorm(name: name, channels: c)
        bn.setVariable("gamma", random([c], seed: seed))
        bn.setVariable("beta", random([c], seed: seed + 1))
        bn.setVariable("moving_mean", random([c], seed: seed + 2, scale: 0.3))
        bn.setVariable("moving_variance", Tensor(shape: [c], storage: random([c], seed: seed + 3).storage.map { 0.5 + abs($0) }))
        return bn
    }

    func testSingleChannelDirectConvMatchesNaive() {
        for (cout, padding) in [(32, Conv2D.Padding.same), (32, .valid), (5, .same), (16, .valid)] {
            var rng = SeededGenerator(seed: UInt64(cout))
            var conv = Conv2D(name: "c", inChannels: 1, outChannels: cout, padding: padding, activation: .relu, rng: &rng)
            conv.setVariable("bias", Self.random([cout], seed: 3, scale: 0.2))
            let (h, w) = (7, 6)
            let x = Self.random([2, h, w, 1], seed: 4)
            let y = conv.forward(x)
            let pad = padding == .same ? 1 : 0
            let (oh, ow) = padding == .same ? (h, w) : (h - 2, w - 2)
            XCTAssertEqual(y.shape, [2, oh, ow, cout])
            for n in 0..<2 { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<cout {
                var s = conv.bias.storage[o]
                for ky in 0..<3 { for kx in 0..<3 {
                    let iy = oy + ky - pad, ix = ox + kx - pad
                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                    s += x.storage[(n * h + iy) * w + ix] * conv.kernel.storage[(ky * 3 + kx) * cout + o]
                }}
                XCTAssertEqual(y.storage[((n * oh + oy) * ow + ox) * cout + o], max(s, 0), accuracy: 1e-5,
                               "cout \(cout) \(padding) at \(n),\(oy),\(ox),\(o)")
            }}}}
        }
    }

    /// Columns 3… of the input are equal, so output pixels 3 and 4 of a valid convolution see the same
    /// patch; with 5 output columns pixel 3 is the second of a two-pixel step and pixel 4 is computed
    /// alone. Both must carry the same bits (every path sums the same taps in the same order).
    func testSingleChannelDirectConvGivesEveryPathTheSameBits() {
        var rng = SeededGenerator(seed: 21)
        let conv = Conv2D(name: "c", inChannels: 1, outChannels: 32, padding: .valid, rng: &rng)
        let (h, w) = (5, 7)
        var x = Self.random([1, h, w, 1], seed: 22)
        for iy in 0..<h { for ix in 4..<w { x.storage[iy * w + ix] = x.storage[iy * w + 3] } }
        let y = conv.forward(x)
        XCTAssertEqual(y.shape, [1, 3, 5, 32])
        for oy in 0..<3 {
            let third = Array(y.storage[(oy * 5 + 3) * 32..<(oy * 5 + 4) * 32])
            let fourth = Array(y.storage[(oy * 5 + 4) * 32..<(oy * 5 + 5) * 32])
            XCTAssertEqual(third, fourth, "row \(oy)")
        }
    }

    /// One core and two must compute the same bits: a GEMM's rounding depends on its height, so the
    /// bands of an image must not be cut by the caller's share of the cores (cut that way, 3 and 4
    /// bands of this 64-row image, the outputs differed).
    func testConvolutionDoesNotDependOnTheCoreShare() {
        var rng = SeededGenerator(seed: 23)
        var conv = Conv2D(name: "c", inChannels: 32, outChannels: 64, padding: .same, activation: .relu, rng: &rng)
        conv.setVariable("bias", Self.random([64], seed: 24, scale: 0.2))
        let affine = (scale: Self.random([64], seed: 25).storage, shift: Self.random([64], seed: 26).storage)
        let x = Self.random([1, 64, 64, 32], seed: 27)
        let one = CoreShare.with(cores: 1) { conv.inference(x, affine: affine, pool: true) }
        let two = CoreShare.with(cores: 2) { conv.inference(x, affine: affine, pool: true) }
        XCTAssertEqual(one.shape, [1, 32, 32, 64])
        let differing = zip(one.storage, two.storage).filter { $0 != $1 }.count
        XCTAssertEqual(differing, 0, "values that differ between one core and two")
    }

    func testFusedBlocksEqualLayerByLayer() {
        var rng = SeededGenerator(seed: 9)
        let seq = Sequential([
            Conv2D(name: "c1", inChannels: 1, outChannels: 32, padding: .same, activation: .relu, rng: &rng),
            Self.bn("bn1", 32, seed: 10),
            MaxPool2D(name: "p1"),
            Dropout(name: "d1", rate: 0.5, seed: 1),
            Conv2D(name: "c2", inChannels: 32, outChannels: 16, padding: .valid, activation: .relu, rng: &rng),
            MaxPool2D(name: "p2"),  // odd input (9 → 4): the last row/column is dropped
            Conv2D(name: "c3", inChannels: 16, outChannels: 8, padding: .same, activation: .linear, rng: &rng),
            Self.bn("bn3", 8, seed: 20),
            Conv2DTranspose(name: "t1", inChannels: 8, outChannels: 4, activation: .relu, rng: &rng),
            Self.bn("bn4", 4, seed: 30),
            Conv2DTranspose(name: "t2", inChannels: 4, outChannels: 1, activation: .sigmoid, rng: &rng),
        ])
        let x = Self.random([3, 22, 22, 1], seed: 11)
        let fused = seq.forward(x)
        let plain = Self.unfused(seq, x)
        XCTAssertEqual(fused.shape, [3, 16, 16, 1])
        XCTAssertEqual(fused.shape, plain.shape)
        let diff = zip(fused.storage, plain.storage).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(diff, 1e-6)
    }

    func testBatchedEqualsPerImageForLargeBatches() {
        // 100-pixel rows of 288-value patches: each image spans several row bands (the last one partial),
        // and the transposed conv's GEMM output spans several chunks of images. Batched and per-image
        // calls may take different SGEMM kernels (OpenBLAS' Zen kernels round differently by matrix
        // size), so values agree to float rounding, not bit for bit: 1e-5 on values of order 1–10.
        var rng = SeededGenerator(seed: 12)
        let conv = Conv2D(name: "c", inChannels: 32, outChannels: 16, padding: .same, activation: .relu, rng: &rng)
        let deconv = Conv2DTranspose(name: "t", inChannels: 16, outChannels: 8, activation: .relu, rng: &rng)
        let bn = Self.bn("bn", 16, seed: 14)
        let shape = [1, 30, 100, 32]
        let x = Self.random([5] + shape.dropFirst(), seed: 13)
        let pooled = conv.inference(x, affine: bn.inferenceAffine, pool: true)
        let y = deconv.forward(conv.forward(x))
        let per = x.count / 5, perOut = y.count / 5, perPooled = pooled.count / 5
        for i in 0..<5 {
            let xi = Tensor(shape: shape, storage: Array(x.storage[(i * per)..<((i + 1) * per)]))
            let yi = deconv.forward(conv.forward(xi))
            XCTAssertLessThanOrEqual(Self.maxDiff(yi.storage, Array(y.storage[(i * perOut)..<((i + 1) * perOut)])), 1e-5)
            var pool = MaxPool2D()
            let reference = pool.trainingForward(bn.forward(conv.forward(xi)))
            XCTAssertLessThanOrEqual(Self.maxDiff(reference.storage, Array(pooled.storage[(i * perPooled)..<((i + 1) * perPooled)])), 1e-5)
        }
    }
}
