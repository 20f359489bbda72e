import NeuralNet
import Training
import XCTest

/// The writer network's training disturbances: whole-pixel shifts, and scale and rotation about the centre.
final class WriterJitterTests: XCTestCase {
    private let (h, w) = (16, 24)

    /// A 4×6 block of ink whose top-left corner is at (row 6, column 9).
    private var block: [UInt8] {
        var image = [UInt8](repeating: 0, count: h * w)
        for y in 6..<10 { for x in 9..<15 { image[y * w + x] = 255 } }
        return image
    }

    private func inkCentre(_ image: [Float]) -> (y: Double, x: Double, mass: Double) {
        var (sy, sx, m) = (0.0, 0.0, 0.0)
        for y in 0..<h { for x in 0..<w { let v = Double(image[y * w + x]); (sy, sx, m) = (sy + v * Double(y), sx + v * Double(x), m + v) } }
        return (sy / m, sx / m, m)
    }

    /// Without a warp the block moves by whole pixels, keeps every value, and the draws are those
    /// of the shift alone (two per image): a model trained before the warp existed repeats bit for bit.
    func testShiftAloneMovesByWholePixelsAndDrawsTwoNumbers() {
        var jitter = WriterJitter()
        jitter.maxShift = 3
        var rng = SeededGenerator(seed: 5)
        var reference = SeededGenerator(seed: 5)
        for _ in 0..<20 {
            let out = jitter.applied(to: block, height: h, width: w, rng: &rng)
            let dy = Int(reference.next() % 7) - 3, dx = Int(reference.next() % 7) - 3
            let c = inkCentre(out)
            XCTAssertEqual(c.mass, 24, accuracy: 1e-9, "nothing lost or blended")
            XCTAssertEqual(c.y, 7.5 + Double(dy), accuracy: 1e-9)
            XCTAssertEqual(c.x, 11.5 + Double(dx), accuracy: 1e-9)
            XCTAssertTrue(out.allSatisfy { $0 == 0 || $0 == 1 })
        }
        XCTAssertEqual(rng.next(), reference.next(), "the same stream afterwards")
    }

    /// A warp keeps the ink where it was (the centre of mass moves by the shift only, up to the
    /// block's own off-centre position under the scale and rotation), scales its mass with the
    /// area, stays in [0, 1] and differs from draw to draw.
    func testWarpScalesAndRotatesAboutTheCentre() {
        var jitter = WriterJitter()
        (jitter.maxShift, jitter.maxScale, jitter.maxRotation) = (0, 0.2, 10)
        var rng = SeededGenerator(seed: 9)
        var masses: Set<Double> = []
        for _ in 0..<20 {
            let out = jitter.applied(to: block, height: h, width: w, rng: &rng)
            XCTAssertTrue(out.allSatisfy { (0...1).contains($0) })
            let c = inkCentre(out)
            // The block's centre (7.5, 11.5) is 0 and 0 pixels from the image centre (7.5, 11.5).
            XCTAssertEqual(c.y, 7.5, accuracy: 0.35)
            XCTAssertEqual(c.x, 11.5, accuracy: 0.35)
            XCTAssertGreaterThan(c.mass, 24 * 0.8 * 0.8 - 2)
            XCTAssertLessThan(c.mass, 24 * 1.2 * 1.2 + 2)
            masses.insert((c.mass * 1000).rounded())
        }
        XCTAssertGreaterThan(masses.count, 10, "each draw its own scale")
    }

    /// A warp of (almost) nothing is the whole-pixel shift, so the two paths agree on its direction.
    func testANegligibleWarpIsTheShift() {
        var plain = WriterJitter()
        plain.maxShift = 3
        var warped = plain
        (warped.maxScale, warped.maxRotation) = (1e-12, 1e-12)
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        for _ in 0..<10 {
            let x = plain.applied(to: block, height: h, width: w, rng: &a)
            let y = warped.applied(to: block, height: h, width: w, rng: &b)
            for i in x.indices { XCTAssertEqual(x[i], y[i], accuracy: 1e-6) }
            for _ in 0..<3 { _ = a.next() }  // the warp's own three draws
        }
    }
}
