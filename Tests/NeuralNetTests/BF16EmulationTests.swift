import NeuralNet
import XCTest

/// The bfloat16 emulation behind `sigverify benchmark precision` must round exactly as the hardware
/// conversion does and reach every matrix product through `BLAS`.
final class BF16EmulationTests: XCTestCase {
    func testRoundsToNearestEvenBFloat16() {
        let ulp = Float(1) / 128  // bfloat16 keeps 7 fraction bits
        XCTAssertEqual(BF16Emulation.rounded(1), 1)
        XCTAssertEqual(BF16Emulation.rounded(1 + ulp / 2), 1, "tie goes to the even neighbour")
        XCTAssertEqual(BF16Emulation.rounded(1 + 3 * ulp / 2), 1 + 2 * ulp, "tie goes to the even neighbour")
        XCTAssertEqual(BF16Emulation.rounded(1 + ulp / 2 + ulp / 64), 1 + ulp, "above the tie rounds up")
        XCTAssertEqual(BF16Emulation.rounded(-(1 + ulp / 2 + ulp / 64)), -(1 + ulp))
        XCTAssertEqual(BF16Emulation.rounded(0.1), Float(bitPattern: 0x3DCD_0000), "0x3DCCCCCD rounds up, not truncated")
        XCTAssertEqual(BF16Emulation.rounded(.greatestFiniteMagnitude), .infinity, "beyond bfloat16's range")
        XCTAssertTrue(BF16Emulation.rounded(.nan).isNaN)
        XCTAssertEqual(BF16Emulation.rounded(-.infinity), -.infinity)
    }

    func testProductsUseRoundedOperandsAndAFloat32Accumulator() {
        // A 2×3 · 3×2 product with operands that bfloat16 cannot hold, transposed and not.
        let a: [Float] = [1.001, 2.003, -0.7071, 3.14159, 0.1, 1e-3]
        let b: [Float] = [0.333, -1.777, 2.5, 0.0101, 1.0009, -3.3]
        let c0: [Float] = [0.5, 0.25, -0.125, 1]
        func product(_ x: [Float], _ y: [Float], transposeA: Bool = false) -> [Float] {
            var c = c0
            BLAS.sgemm(transposeA: transposeA, m: 2, n: 2, k: 3, alpha: 1, a: x, lda: transposeA ? 2 : 3, b: y, ldb: 2,
                       beta: 1, c: &c, ldc: 2)
            return c
        }
        let exact = product(a, b)
        let roundedByHand = product(a.map(BF16Emulation.rounded), b.map(BF16Emulation.rounded))
        func matrixVector(_ x: [Float], _ v: [Float]) -> [Float] {
            var y: [Float] = [0, 0]
            BLAS.sgemv(m: 2, n: 3, a: x, lda: 3, x: v, y: &y)
            return y
        }
        let v = [b[0], b[2], b[4]]
        let vectorRoundedByHand = matrixVector(a.map(BF16Emulation.rounded), v.map(BF16Emulation.rounded))
        let aT: [Float] = [a[0], a[3], a[1], a[4], a[2], a[5]]
        BF16Emulation.isOn = true
        let emulated = product(a, b)
        let emulatedT = product(aT, b, transposeA: true)
        let emulatedVector = matrixVector(a, v)
        BF16Emulation.isOn = false
        XCTAssertEqual(emulated, roundedByHand)
        XCTAssertEqual(emulatedT, roundedByHand)
        XCTAssertEqual(emulatedVector, vectorRoundedByHand)
        XCTAssertNotEqual(emulated, exact, "the rounding must change this product")
        XCTAssertEqual(product(a, b), exact, "off again: plain float32")
    }
}
