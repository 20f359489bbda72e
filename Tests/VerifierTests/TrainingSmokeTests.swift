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
        var aeOpt = Adam(learningRate: 1e-3)
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
        print("autoencoder loss \(aeLosses), classifier loss \(clsLosses)")
        XCTAssertTrue(aeLosses.allSatisfy(\.isFinite) && clsLosses.allSatisfy(\.isFinite))
        XCTAssertLessThan(aeLosses.last!, aeLosses.first!)
        XCTAssertLessThan(clsLosses.last!, clsLosses.first!)
        // Seeded: the same seed gives the same network.
        XCTAssertEqual(try Autoencoder(parameters: p, seed: 42).variables, try Autoencoder(parameters: p, seed: 42).variables)
    }
}
