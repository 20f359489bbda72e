import XCTest
import NeuralNet
import Verifier

/// A tiny autoencoder and classifier, trained a few Adam steps on a handful of synthetic images,
/// must lower their loss: the training path works end to end.
final class TrainingSmokeTests: XCTestCase {
    /// Strokes (signature-like, label 1) and blocky noise (label 0), 32×32, values in [0, 1].
    static func images(count: Int, seed: UInt64) -> (Tensor, [Float]) {
        var rng = SeededGenerator(seed: seed)
        var x = [Float](repeating: 0, count: count * 32 * 32)
        var labels = [Float]()
        for n in 0..<count {
            let isStroke = n % 2 == 0
            labels.append(isStroke ? 1 : 0)
            for yy in 0..<32 {
                for xx in 0..<32 {
                    let v: Float
                    if isStroke {
                        let curve = 16 + 6 * sin(Float(xx) / 4 + rng.nextUnitFloat() * 0.3)
                        v = abs(Float(yy) - curve) < 1.5 ? 0.9 : 0.05
                    } else {
                        v = ((xx / 8 + yy / 8) % 2 == 0) ? rng.nextUnitFloat() : 0.5
                    }
                    x[(n * 32 + yy) * 32 + xx] = v
                }
            }
        }
        return (Tensor(shape: [count, 32, 32, 1], storage: x), labels)
    }

    func testFewAdamStepsLowerBothLosses() throws {
        let p = VerifierParameters(inputShape: [32, 32, 1], latentDim: 8, reconstructionThreshold: 0.1)
        let (x, labels) = Self.images(count: 6, seed: 3)
        var ae = try Autoencoder(parameters: p, seed: 42)
        var aeOpt = Adam(learningRate: 1e-3)  // 10× the reference's rate: few steps
        var aeLosses: [Float] = []
        for _ in 0..<8 {
            aeLosses.append(ae.computeGradients(batch: x).dataLoss)
            ae.applyGradients(&aeOpt)
        }
        var cls = try Classifier(parameters: p, seed: 7)
        var clsOpt = Adam(learningRate: 1e-3)
        var clsLosses: [Float] = []
        for _ in 0..<8 {
            clsLosses.append(cls.computeGradients(batch: x, labels: labels).dataLoss)
            cls.applyGradients(&clsOpt)
        }
        // Inference-mode validation loss also falls after training.
        let before = try Autoencoder(parameters: p, seed: 42).evaluate(batch: x).dataLoss
        XCTAssertLessThan(ae.evaluate(batch: x).dataLoss, before)
        let clsBefore = try Classifier(parameters: p, seed: 7).evaluate(batch: x, labels: labels).dataLoss
        XCTAssertLessThan(cls.evaluate(batch: x, labels: labels).dataLoss, clsBefore)
        print("autoencoder loss \(aeLosses), classifier loss \(clsLosses)")
        XCTAssertTrue(aeLosses.allSatisfy(\.isFinite) && clsLosses.allSatisfy(\.isFinite))
        XCTAssertLessThan(aeLosses.last!, aeLosses.first!)
        XCTAssertLessThan(clsLosses.last!, clsLosses.first!)
        // Seeded: the same seed gives the same network.
        XCTAssertEqual(try Autoencoder(parameters: p, seed: 42).variables, try Autoencoder(parameters: p, seed: 42).variables)
    }

    func testNonSquareInputSizesComeFromParameters() throws {
        let p = VerifierParameters(inputShape: [48, 32, 1], latentDim: 5, reconstructionThreshold: 0.1)
        var ae = try Autoencoder(parameters: p, seed: 1)
        var cls = try Classifier(parameters: p, seed: 2)
        XCTAssertEqual(ae.variables["latent/kernel"]?.shape, [3 * 2 * 256, 5])
        XCTAssertEqual(ae.variables["dec_dense/kernel"]?.shape, [5, 3 * 2 * 256])
        // 48×32 → valid conv 46×30 → pool 23×15 → 21×13 → pool 10×6 → 8×4
        XCTAssertEqual(cls.variables["cls_dense1/kernel"]?.shape, [8 * 4 * 64, 64])
        let x = Tensor(shape: [2, 48, 32, 1], storage: (0..<(2 * 48 * 32)).map { Float($0 % 7) / 7 })
        let z = ae.encode(x)
        XCTAssertEqual(z.shape, [2, 5])
        XCTAssertEqual(ae.decode(z).shape, [2, 48, 32, 1])
        XCTAssertEqual(cls.predict(x).count, 2)
        let empty = Tensor(shape: [0, 48, 32, 1])
        XCTAssertEqual(ae.encode(empty).shape, [0, 5])
        XCTAssertEqual(ae.decode(ae.encode(empty)).shape, [0, 48, 32, 1])
        XCTAssertEqual(cls.predict(empty), [])
        XCTAssertTrue(ae.computeGradients(batch: x).totalLoss.isFinite)
        XCTAssertTrue(cls.computeGradients(batch: x, labels: [1, 0]).totalLoss.isFinite)
        XCTAssertEqual(Set(ae.gradients.keys).count, 34)
        XCTAssertEqual(Set(cls.gradients.keys).count, 10)
    }
}
