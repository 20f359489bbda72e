import XCTest
import NeuralNet

/// The fused training pass of a Conv2D → MaxPool2D pair (Sequential runs it by default) must give
/// the same outputs and gradients as the layers run one by one, and pass a finite-difference check.
final class FusedTrainingTests: XCTestCase {
    static func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        GradientCheckTests.random(shape, seed: seed, scale: scale)
    }

    /// A classifier-shaped stack: single-channel first conv (direct kernel), an odd-sized pooled
    /// conv (its last row and column fall outside the pool), a linear conv before a pool, a 16-channel
    /// vectorised path and a 5-channel scalar one.
    static func stack(firstChannels: Int, seed: UInt64) -> Sequential {
        var rng = SeededGenerator(seed: seed)
        var c1 = Conv2D(name: "c1", inChannels: 1, outChannels: firstChannels, padding: .valid, activation: .relu, rng: &rng)
        c1.setVariable("bias", random([firstChannels], seed: seed + 1, scale: 0.2))
        return Sequential([
            c1, MaxPool2D(name: "p1"),
            Conv2D(name: "c2", inChannels: firstChannels, outChannels: 6, padding: .valid, activation: .relu, rng: &rng),
            MaxPool2D(name: "p2"),
            Conv2D(name: "c3", inChannels: 6, outChannels: 4, padding: .same, activation: .linear, kernelL2: 0.01, rng: &rng),
            MaxPool2D(name: "p3"),
            Flatten(name: "f"),
            Dense(name: "d", inputs: 2 * 2 * 4, outputs: 1, activation: .sigmoid, rng: &rng),
        ])
    }

    /// Layer-by-layer training forward and backward, no fusion.
    static func unfusedGradients(_ seq: Sequential, _ x: Tensor, _ r: Tensor, parametersOnly: Bool)
        -> (y: Tensor, dx: Tensor?, gradients: [String: Tensor]) {
        var layers = seq.layers
        var y = x
        for i in layers.indices { y = layers[i].trainingForward(y) }
        var g = r
        for i in layers.indices.dropFirst().reversed() { g = layers[i].backward(g) }
        var dx: Tensor?
        if parametersOnly { layers[0].backwardParametersOnly(g) } else { dx = layers[0].backward(g) }
        return (y, dx, Sequential(layers).gradients)
    }

    func testFusedConvPoolTrainingEqualsLayerByLayer() {
        // Batches of 3 and 9: below and above two images per core, so both ways the forward pass
        // splits its work (shared bands, per-core image shares) record the pool windows.
        for (i, (channels, batch)) in [(16, 3), (5, 3), (16, 9)].enumerated() {
            for parametersOnly in [true, false] {
                let seq = Self.stack(firstChannels: channels, seed: 60 + UInt64(i))
                let x = Self.random([batch, 24, 22, 1], seed: 70)  // conv1 22×20 → 11×10 → conv2 9×8 → 4×4 → 2×2
                let r = Self.random([batch, 1], seed: 71)
                var fused = seq
                let y = fused.trainingForward(x)
                var dx: Tensor?
                if parametersOnly { fused.backwardParametersOnly(r) } else { dx = fused.backward(r) }
                let plain = Self.unfusedGradients(seq, x, r, parametersOnly: parametersOnly)
                XCTAssertEqual(y.shape, [batch, 1])
                XCTAssertLessThanOrEqual(FusedInferenceTests.maxDiff(y.storage, plain.y.storage), 1e-6)
                if let dx, let pdx = plain.dx {
                    XCTAssertLessThan(GradientCheckTests.relativeError(dx.storage, pdx.storage.map(Double.init)), 1e-5)
                }
                let gradients = fused.gradients
                XCTAssertEqual(Set(gradients.keys), Set(plain.gradients.keys))
                for (key, g) in plain.gradients {
                    let e = GradientCheckTests.relativeError(gradients[key]!.storage, g.storage.map(Double.init))
                    XCTAssertLessThan(e, 1e-5, "channels \(channels), parametersOnly \(parametersOnly): \(key) differs (\(e))")
                }
                // The gradients are not trivially zero.
                XCTAssertGreaterThan(gradients["c1/kernel"]!.storage.map(abs).max()!, 1e-4)
            }
        }
    }

    /// Finite differences through the fused pair, input gradient included (ties at ReLU's zero are
    /// avoided by a positive bias, so the pooled maxima do not switch under the ±step probe).
    func testFusedConvPoolGradientsMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 80)
        var conv = Conv2D(name: "c", inChannels: 3, outChannels: 4, padding: .same, activation: .relu, kernelL2: 0.01, rng: &rng)
        conv.setVariable("bias", Tensor(shape: [4], storage: [0.5, 0.4, 0.6, 0.3]))
        let seq = Sequential([conv, MaxPool2D(name: "p")])
        let x = Self.random([2, 6, 5, 3], seed: 81)
        var net = seq
        let y = net.trainingForward(x)
        XCTAssertEqual(y.shape, [2, 3, 2, 4])
        let r = Self.random(y.shape, seed: 82)
        let dx = net.backward(r)
        func probe(_ s: Sequential, _ input: Tensor) -> Double {
            var s = s
            let out = s.trainingForward(input)
            var v = Double(s.regularizationLoss)
            for i in 0..<out.count { v += Double(out.storage[i]) * Double(r.storage[i]) }
            return v
        }
        let step: Float = 1e-3
        var numeric = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count {
            var xp = x, xm = x
            xp.storage[i] += step
            xm.storage[i] -= step
            numeric[i] = (probe(seq, xp) - probe(seq, xm)) / Double(2 * step)
        }
        XCTAssertLessThan(GradientCheckTests.relativeError(dx.storage, numeric), 1e-2)
        let kernel = seq.variables["c/kernel"]!
        var numericK = [Double](repeating: 0, count: kernel.count)
        for i in 0..<kernel.count {
            var lp = seq, lm = seq
            var kp = kernel, km = kernel
            kp.storage[i] += step
            km.storage[i] -= step
            lp.layers[0].setVariable("kernel", kp)
            lm.layers[0].setVariable("kernel", km)
            numericK[i] = (probe(lp, x) - probe(lm, x)) / Double(2 * step)
        }
        XCTAssertLessThan(GradientCheckTests.relativeError(net.gradients["c/kernel"]!.storage, numericK), 1e-2)
    }
}
