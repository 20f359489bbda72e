import Foundation
import NeuralNet
import XCTest

final class SoftmaxCrossEntropyTests: XCTestCase {
    /// The loss by hand and the gradient against central finite differences, with one unlabelled row.
    func testValueAndGradientAgainstFiniteDifferences() {
        let logits = GradientCheckTests.random([4, 5], seed: 41, scale: 2)
        let labels: [Int?] = [2, nil, 0, 4]
        let (loss, g) = Losses.softmaxCrossEntropy(logits: logits, labels: labels)
        var expected = 0.0
        for (row, label) in labels.enumerated() {
            guard let label else { continue }
            let z = (0..<5).map { Double(logits.storage[row * 5 + $0]) }
            expected -= log(exp(z[label]) / z.map(exp).reduce(0, +))
        }
        XCTAssertEqual(Double(loss), expected / 3, accuracy: 1e-5)
        let numeric = GradientCheckTests.numericGradient(logits, step: 1e-2) {
            Losses.softmaxCrossEntropy(logits: $0, labels: labels).loss
        }
        XCTAssertLessThan(GradientCheckTests.relativeError(g.storage, numeric), 1e-2)
        XCTAssertEqual(Array(g.storage[5..<10]), [0, 0, 0, 0, 0], "an unlabelled row has no gradient")
    }

    /// Huge logits stay finite (the maximum is subtracted), and a confident right answer costs ~0.
    func testStableForLargeLogits() {
        let logits = Tensor(shape: [1, 3], storage: [1000, -1000, 0])
        let (loss, g) = Losses.softmaxCrossEntropy(logits: logits, labels: [0])
        XCTAssertEqual(loss, 0, accuracy: 1e-6)
        XCTAssertTrue(g.storage.allSatisfy(\.isFinite))
        let (wrong, _) = Losses.softmaxCrossEntropy(logits: logits, labels: [1])
        XCTAssertEqual(wrong, 2000, accuracy: 1e-2)
    }

    func testNoLabelledRowGivesZero() {
        let (loss, g) = Losses.softmaxCrossEntropy(logits: Tensor(shape: [2, 3], repeating: 1), labels: [nil, nil])
        XCTAssertEqual(loss, 0)
        XCTAssertEqual(g.storage, [Float](repeating: 0, count: 6))
    }
}
