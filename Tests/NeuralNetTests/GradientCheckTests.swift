import XCTest
import NeuralNet

/// Finite-difference checks of every layer's and loss's backward pass, on small shapes.
/// The probe loss is f = Σ r·layer(x) + the layer's L2 penalty for a fixed random r, accumulated
/// in Double; central differences with step 1e-3 on Float inputs.
final class GradientCheckTests: XCTestCase {
    static func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, storage: (0..<n).map { _ in (rng.nextUnitFloat() * 2 - 1) * scale })
    }

    static func probe<L: Layer>(_ layer: L, _ x: Tensor, _ r: Tensor) -> Double {
        var l = layer
        let y = l.trainingForward(x)
        var s = Double(l.regularizationLoss)
        for i in 0..<y.count { s += Double(y.storage[i]) * Double(r.storage[i]) }
        return s
    }

    /// Central differences of the scalar `f` at every element of `x`, step `h`.
    static func numericGradient(_ x: Tensor, step h: Float, _ f: (Tensor) -> Float) -> [Double] {
        (0..<x.count).map { i in
            var p = x, m = x
            p.storage[i] += h
            m.storage[i] -= h
            return Double(f(p) - f(m)) / Double(2 * h)
        }
    }

    static func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        var diff = 0.0, norm = 0.0
        for (x, y) in zip(a, b) { diff += (Double(x) - y) * (Double(x) - y); norm += y * y }
        return (diff / max(norm, 1e-30)).squareRoot()
    }

    /// Checks dInput and every trainable gradient of `layer` at `x`.
    func checkLayer<L: Layer>(_ layer: L, input x: Tensor, tolerance: Double = 1e-2, step: Float = 1e-3,
                              file: StaticString = #filePath, line: UInt = #line) {
        var l = layer
        let y = l.trainingForward(x)
        let r = Self.random(y.shape, seed: 99)
        let dx = l.backward(r)
        XCTAssertEqual(dx.shape, x.shape, "input gradient shape", file: file, line: line)
        var numeric = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count {
            var xp = x, xm = x
            xp.storage[i] += step
            xm.storage[i] -= step
            numeric[i] = (Self.probe(layer, xp, r) - Self.probe(layer, xm, r)) / Double(2 * step)
        }
        let ex = Self.relativeError(dx.storage, numeric)
        XCTAssertLessThan(ex, tolerance, "\(layer.name): input gradient rel. error \(ex)", file: file, line: line)
        for (key, g) in l.gradients {
            let w = layer.variables[key]!
            var num = [Double](repeating: 0, count: w.count)
            for i in 0..<w.count {
                var lp = layer, lm = layer
                var wp = w, wm = w
                wp.storage[i] += step
                wm.storage[i] -= step
                lp.setVariable(key, wp)
                lm.setVariable(key, wm)
                num[i] = (Self.probe(lp, x, r) - Self.probe(lm, x, r)) / Double(2 * step)
            }
            let e = Self.relativeError(g.storage, num)
            XCTAssertLessThan(e, tolerance, "\(layer.name)/\(key): gradient rel. error \(e)", file: file, line: line)
        }
    }

    func testConv2DSameReLUWithL2() {
        var rng = SeededGenerator(seed: 1)
        var conv = Conv2D(name: "c", inChannels: 3, outChannels: 4, padding: .same, activation: .relu, kernelL2: 0.05, rng: &rng)
        conv.setVariable("bias", Self.random([4], seed: 2, scale: 0.3))
        checkLayer(conv, input: Self.random([2, 5, 6, 3], seed: 3))
    }

    func testConv2DValidLinear() {
        var rng = SeededGenerator(seed: 4)
        let conv = Conv2D(name: "c", inChannels: 2, outChannels: 3, padding: .valid, activation: .linear, rng: &rng)
        checkLayer(conv, input: Self.random([3, 6, 5, 2], seed: 5))
    }

    /// A first layer on grey input takes the direct parameter-gradient kernel (no im2col, fused
    /// activation mask); it must give the same kernel and bias gradients as the full backward, for
    /// vectorised (16k) and scalar channel counts, both paddings, with and without L2.
    func testSingleChannelParametersOnlyBackwardMatchesFullBackward() {
        let cases: [(cout: Int, padding: Conv2D.Padding, act: Activation, l2: Float)] =
            [(32, .same, .relu, 0), (16, .valid, .sigmoid, 0.01), (5, .same, .linear, 0), (3, .valid, .relu, 0.02)]
        for (i, c) in cases.enumerated() {
            var rng = SeededGenerator(seed: 40 + UInt64(i))
            var conv = Conv2D(name: "c", inChannels: 1, outChannels: c.cout, padding: c.padding, activation: c.act,
                              kernelL2: c.l2, rng: &rng)
            conv.setVariable("bias", Self.random([c.cout], seed: 50, scale: 0.3))
            var full = conv, paramsOnly = conv
            let x = Self.random([3, 9, 7, 1], seed: 51)
            let y = full.trainingForward(x)
            _ = paramsOnly.trainingForward(x)
            let r = Self.random(y.shape, seed: 52)
            _ = full.backward(r)
            paramsOnly.backwardParametersOnly(r)
            for key in ["kernel", "bias"] {
                let a = full.gradients[key]!.storage, b = paramsOnly.gradients[key]!.storage
                XCTAssertLessThan(Self.relativeError(b, a.map(Double.init)), 1e-5, "case \(i) \(key)")
            }
        }
    }

    func testConv2DForwardMatchesDirectConvolution() {
        var rng = SeededGenerator(seed: 6)
        let conv = Conv2D(name: "c", inChannels: 2, outChannels: 3, padding: .same, rng: &rng)
        let x = Self.random([2, 4, 5, 2], seed: 7)
        let y = conv.forward(x)
        let k = conv.kernel
        for n in 0..<2 { for oy in 0..<4 { for ox in 0..<5 { for o in 0..<3 {
            var s: Float = 0
            for ky in 0..<3 { for kx in 0..<3 { for c in 0..<2 {
                let iy = oy + ky - 1, ix = ox + kx - 1
                guard iy >= 0, iy < 4, ix >= 0, ix < 5 else { continue }
                s += x.storage[((n * 4 + iy) * 5 + ix) * 2 + c] * k.storage[((ky * 3 + kx) * 2 + c) * 3 + o]
            }}}
            XCTAssertEqual(y.storage[((n * 4 + oy) * 5 + ox) * 3 + o], s, accuracy: 1e-5)
        }}}}
    }

    func testConv2DTransposeReLUWithL2() {
        var rng = SeededGenerator(seed: 8)
        var deconv = Conv2DTranspose(name: "t", inChannels: 3, outChannels: 2, activation: .relu, kernelL2: 0.05, rng: &rng)
        deconv.setVariable("bias", Self.random([2], seed: 9, scale: 0.3))
        checkLayer(deconv, input: Self.random([2, 3, 4, 3], seed: 10), step: 2e-4)  // a pre-activation lies within 1e-3 of the ReLU kink
    }

    func testConv2DTransposeSigmoid() {
        var rng = SeededGenerator(seed: 11)
        let deconv = Conv2DTranspose(name: "t", inChannels: 2, outChannels: 1, activation: .sigmoid, rng: &rng)
        checkLayer(deconv, input: Self.random([1, 3, 3, 2], seed: 12))
    }

    func testConv2DTransposeFollowsTensorFlowAlignment() {
        // out[2i+ky, 2j+kx, o] += Σ_c x[i,j,c]·K[ky,kx,o,c], cropped to 2H×2W; one output channel
        // (the decoder's last layer) has its own accumulation path.
        for cout in [3, 1] {
            var rng = SeededGenerator(seed: 13)
            let deconv = Conv2DTranspose(name: "t", inChannels: 2, outChannels: cout, rng: &rng)
            let (h, w) = (3, 2)
            let x = Self.random([1, h, w, 2], seed: 14)
            let y = deconv.forward(x)
            XCTAssertEqual(y.shape, [1, 2 * h, 2 * w, cout])
            var expected = [Float](repeating: 0, count: y.count)
            let k = deconv.kernel
            for i in 0..<h { for j in 0..<w { for ky in 0..<3 { for kx in 0..<3 {
                let oy = 2 * i + ky, ox = 2 * j + kx
                guard oy < 2 * h, ox < 2 * w else { continue }
                for o in 0..<cout { for c in 0..<2 {
                    expected[(oy * 2 * w + ox) * cout + o] += x.storage[(i * w + j) * 2 + c] * k.storage[((ky * 3 + kx) * cout + o) * 2 + c]
                }}
            }}}}
            for i in 0..<y.count { XCTAssertEqual(y.storage[i], expected[i], accuracy: 1e-5, "cout \(cout) at \(i)") }
        }
    }

    func testDenseSigmoidWithL2() {
        var rng = SeededGenerator(seed: 15)
        var dense = Dense(name: "d", inputs: 7, outputs: 3, activation: .sigmoid, kernelL2: 0.1, rng: &rng)
        dense.setVariable("bias", Self.random([3], seed: 16))
        checkLayer(dense, input: Self.random([4, 7], seed: 17))
    }

    func testDenseReLUOnImageInput() {
        var rng = SeededGenerator(seed: 18)
        let dense = Dense(name: "d", inputs: 2 * 3 * 2, outputs: 5, activation: .relu, rng: &rng)
        checkLayer(dense, input: Self.random([3, 2, 3, 2], seed: 19))
    }

    func testBatchNormTrainingGradients() {
        var bn = BatchNorm(name: "bn", channels: 3)
        bn.setVariable("gamma", Self.random([3], seed: 20))
        bn.setVariable("beta", Self.random([3], seed: 21))
        checkLayer(bn, input: Self.random([2, 3, 2, 3], seed: 22, scale: 2), tolerance: 2e-2)
    }

    func testBatchNormInferenceAndMovingStatistics() {
        var bn = BatchNorm(name: "bn", channels: 2)
        bn.setVariable("gamma", Tensor(shape: [2], storage: [2, 0.5]))
        bn.setVariable("beta", Tensor(shape: [2], storage: [1, -1]))
        bn.setVariable("moving_mean", Tensor(shape: [2], storage: [0.5, -2]))
        bn.setVariable("moving_variance", Tensor(shape: [2], storage: [4, 0.25]))
        let x = Tensor(shape: [2, 2], storage: [1, 0, 3, -4])
        let y = bn.forward(x)
        XCTAssertEqual(y.storage[0], (1 - 0.5) / (4 + 1e-3).squareRoot() * 2 + 1, accuracy: 1e-6)
        XCTAssertEqual(y.storage[3], (-4 + 2) / (0.25 + 1e-3).squareRoot() * 0.5 - 1, accuracy: 1e-6)
        _ = bn.trainingForward(x)
        // batch mean (2, −2), biased variance (1, 4)
        XCTAssertEqual(bn.movingMean.storage[0], 0.5 * 0.99 + 2 * 0.01, accuracy: 1e-6)
        XCTAssertEqual(bn.movingVariance.storage[1], 0.25 * 0.99 + 4 * 0.01, accuracy: 1e-6)
    }

    func testMaxPoolGradientAndTies() {
        // distinct values (a permutation) so the argmax is stable under the finite-difference step
        let n = 2 * 4 * 5 * 3
        var rng = SeededGenerator(seed: 23)
        let values = (0..<n).map { Float($0) * 0.01 }.shuffled(using: &rng)
        checkLayer(MaxPool2D(), input: Tensor(shape: [2, 4, 5, 3], storage: values))
        var pool = MaxPool2D()
        let y = pool.trainingForward(Tensor(shape: [1, 2, 2, 1], storage: [7, 7, 7, 7]))
        XCTAssertEqual(y.storage, [7])
        XCTAssertEqual(pool.backward(Tensor(shape: [1, 1, 1, 1], storage: [1])).storage, [1, 0, 0, 0])
        // odd height and width: the trailing row and column get zero gradient
        let odd = (0..<(2 * 5 * 5 * 2)).map { Float($0) * 0.01 }.shuffled(using: &rng)
        checkLayer(MaxPool2D(), input: Tensor(shape: [2, 5, 5, 2], storage: odd))
    }

    func testActivationLayers() {
        checkLayer(ActivationLayer(.sigmoid), input: Self.random([3, 4], seed: 24, scale: 3))
        checkLayer(ActivationLayer(.relu), input: Self.random([3, 4], seed: 25, scale: 3))
        var relu = ActivationLayer(.relu)
        _ = relu.trainingForward(Tensor(shape: [2], storage: [0, 1]))
        XCTAssertEqual(relu.backward(Tensor(shape: [2], storage: [5, 5])).storage, [0, 5], "ReLU'(0) = 0 as TensorFlow")
    }

    func testDropoutScalesKeptValuesAndIsIdentityAtInference() {
        var drop = Dropout(rate: 0.5, seed: 7)
        let x = Tensor(shape: [1, 4000], repeating: 1)
        XCTAssertEqual(drop.forward(x), x)
        let y = drop.trainingForward(x)
        let kept = y.storage.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { $0 == 2 })
        XCTAssertEqual(Double(kept.count) / 4000, 0.5, accuracy: 0.05)
        XCTAssertEqual(drop.backward(x), y, "backward multiplies by the same mask")
        checkLayer(Dropout(rate: 0.3, seed: 3), input: Self.random([2, 10], seed: 26))
    }

    /// The parallel mask draw equals the sequential one: one 64-bit value per pair of elements (low
    /// half first), consecutive calls continuing the stream, odd sizes using the low half only.
    func testDropoutMaskFollowsTheSeededStreamAcrossCalls() {
        let rate: Float = 0.3, scale = 1 / (1 - rate)
        var drop = Dropout(rate: rate, seed: 11)
        var rng = SeededGenerator(seed: 11)
        let threshold = UInt64(Double(rate) * Double(1 << 32))
        for count in [70_001, 40_000] {
            let y = drop.trainingForward(Tensor(shape: [1, count], repeating: 1))
            var expected = [Float](repeating: 0, count: count)
            var i = 0
            while i < count {
                let r = rng.next()
                expected[i] = r & 0xFFFF_FFFF >= threshold ? scale : 0
                if i + 1 < count { expected[i + 1] = r >> 32 >= threshold ? scale : 0 }
                i += 2
            }
            XCTAssertEqual(y.storage, expected, "count \(count)")
        }
    }

    func testFlattenAndReshapeKeepRowMajorOrder() {
        var flat = Flatten()
        let x = Self.random([2, 2, 3, 2], seed: 27)
        let y = flat.trainingForward(x)
        XCTAssertEqual(y.shape, [2, 12])
        XCTAssertEqual(y.storage, x.storage)
        XCTAssertEqual(flat.backward(y).shape, x.shape)
        var reshape = Reshape(targetShape: [3, 2, 2])
        XCTAssertEqual(reshape.trainingForward(y).shape, [2, 3, 2, 2])
        checkLayer(reshape, input: y)
    }

    func testBinaryCrossEntropyGradientAndClipping() {
        var rng = SeededGenerator(seed: 28)
        let p = Tensor(shape: [10], storage: (0..<10).map { _ in 0.05 + 0.9 * rng.nextUnitFloat() })
        let y = Tensor(shape: [10], storage: (0..<10).map { Float($0 % 2) })
        let (loss, g) = Losses.binaryCrossEntropy(prediction: p, target: y)
        var expected = 0.0
        for i in 0..<10 {
            expected -= Double(y.storage[i]) * log(Double(p.storage[i])) + Double(1 - y.storage[i]) * log(1 - Double(p.storage[i]))
        }
        XCTAssertEqual(Double(loss), expected / 10, accuracy: 1e-6)
        let numeric = Self.numericGradient(p, step: 1e-3) { Losses.binaryCrossEntropy(prediction: $0, target: y).loss }
        XCTAssertLessThan(Self.relativeError(g.storage, numeric), 1e-2)
        // p = 0 with label 1 is clipped to 1e-7: finite loss −log(1e-7), zero gradient.
        let (clipped, cg) = Losses.binaryCrossEntropy(prediction: Tensor(shape: [1], storage: [0]), target: Tensor(shape: [1], storage: [1]))
        XCTAssertEqual(clipped, -logf(1e-7), accuracy: 1e-3)
        XCTAssertEqual(cg.storage, [0])
    }

    func testSSIMValueAndGradient() {
        let a = Self.random([2, 13, 12, 1], seed: 29, scale: 0.5).storage.map { $0 + 0.5 }
        let b = Self.random([2, 13, 12, 1], seed: 30, scale: 0.5).storage.map { $0 + 0.5 }
        let ta = Tensor(shape: [2, 13, 12, 1], storage: a), tb = Tensor(shape: [2, 13, 12, 1], storage: b)
        let same = Losses.ssim(ta, ta).perImage
        XCTAssertEqual(same[0], 1, accuracy: 1e-12)
        let (values, grad) = Losses.ssim(ta, tb, wantGradient: true)
        XCTAssertTrue(values.allSatisfy { $0 < 1 && $0 > -1 })
        XCTAssertEqual(Losses.ssim(tb, ta).perImage, values, "SSIM is symmetric")
        func meanSSIM(_ t: Tensor) -> Double { let v = Losses.ssim(t, tb).perImage; return v.reduce(0, +) / Double(v.count) }
        var numeric = [Double](repeating: 0, count: a.count)
        for i in 0..<a.count {
            var p = ta, m = ta
            p.storage[i] += 1e-3
            m.storage[i] -= 1e-3
            numeric[i] = (meanSSIM(p) - meanSSIM(m)) / Double(Float(2e-3))
        }
        XCTAssertLessThan(Self.relativeError(grad!.storage, numeric), 1e-3)
    }

    func testAdamFollowsKerasUpdate() {
        var adam = Adam(learningRate: 0.1)
        var w = Tensor(shape: [2], storage: [1, -1])
        let g1 = Tensor(shape: [2], storage: [0.5, -2])
        let g2 = Tensor(shape: [2], storage: [0.1, 3])
        var m = [0.0, 0.0], v = [0.0, 0.0], ref = [1.0, -1.0]
        for (t, g) in [g1, g2].enumerated() {
            adam.beginStep()
            adam.update(&w, gradient: g, name: "w")
            let step = Double(t + 1)
            let alpha = 0.1 * (1 - pow(0.999, step)).squareRoot() / (1 - pow(0.9, step))
            for i in 0..<2 {
                let gi = Double(g.storage[i])
                m[i] += (gi - m[i]) * 0.1
                v[i] += (gi * gi - v[i]) * 0.001
                ref[i] -= alpha * m[i] / (v[i].squareRoot() + 1e-7)
            }
        }
        XCTAssertEqual(Double(w.storage[0]), ref[0], accuracy: 1e-6)
        XCTAssertEqual(Double(w.storage[1]), ref[1], accuracy: 1e-6)
        XCTAssertEqual(adam.iterations, 2)
    }

    func testGlorotUniformIsSeededAndBounded() {
        var r1 = SeededGenerator(seed: 5), r2 = SeededGenerator(seed: 5)
        let a = Initializer.glorotUniform(shape: [3, 3, 4, 8], using: &r1)
        XCTAssertEqual(a, Initializer.glorotUniform(shape: [3, 3, 4, 8], using: &r2))
        let limit = (6.0 / Float(9 * 4 + 9 * 8)).squareRoot()
        XCTAssertTrue(a.storage.allSatisfy { abs($0) <= limit })
        XCTAssertGreaterThan(a.storage.map(abs).max()!, 0.8 * limit)
    }
}
