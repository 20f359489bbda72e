import Imaging
import NeuralNet
import Training
import XCTest

final class AugmentationTests: XCTestCase {
    /// A signature-like test picture: dark strokes on white, away from the border.
    private func sample(width: Int = 120, height: Int = 80, seed: UInt64 = 1) -> GrayImage {
        var c = Canvas(width: width, height: height)
        var g = SeededGenerator(seed: seed)
        for _ in 0..<4 {
            let pts = (0..<4).map { _ in Vec2(g.uniform(0.2, 0.8) * Double(width), g.uniform(0.2, 0.8) * Double(height)) }
            c.strokeBezier(pts, width: 2.5)
        }
        return c.grayImage()
    }

    private func noiseImage(width: Int, height: Int, seed: UInt64) -> GrayImage {
        var g = SeededGenerator(seed: seed)
        return GrayImage(width: width, height: height, pixels: (0..<(width * height)).map { _ in UInt8(g.integer(in: 0...255)) })
    }

    private func inkMass(_ img: GrayImage) -> Double { img.pixels.reduce(0) { $0 + Double(255 - Int($1)) } }

    // MARK: Grid distortion

    func testGridDistortionIdentityParametersGiveTheInputBack() throws {
        let img = noiseImage(width: 97, height: 61, seed: 4)
        for steps in [1, 5, 7, 12, 200] {
            XCTAssertEqual(Augment.gridDistortion(img, parameters: try .identity(numSteps: steps)), img, "numSteps \(steps)")
        }
    }

    func testGridDistortionKeepsSizeMovesPixelsAndIsDeterministic() throws {
        let img = sample()
        for settings in GridDistortionSettings.reference {
            var g1 = SeededGenerator(seed: 11), g2 = SeededGenerator(seed: 11)
            let a = try Augment.gridDistortion(img, settings: settings, using: &g1)
            let b = try Augment.gridDistortion(img, settings: settings, using: &g2)
            XCTAssertEqual(a, b)
            XCTAssertEqual(a.width, img.width)
            XCTAssertEqual(a.height, img.height)
            XCTAssertNotEqual(a, img)
            // A warp moves ink; cells squeezed or stretched up to ±70 % (and reflected past the
            // edge) change the amount by a bounded factor, never to nothing.
            XCTAssert((0.25...4).contains(inkMass(a) / inkMass(img)), "\(inkMass(a) / inkMass(img))")
        }
    }

    func testGridDistortionFactorsFollowTheSettings() {
        var g = SeededGenerator(seed: 2)
        for settings in GridDistortionSettings.reference {
            let p = GridDistortionParameters.random(settings, using: &g)
            XCTAssertEqual(p.xSteps.count, settings.numSteps + 1)
            XCTAssertEqual(p.ySteps.count, settings.numSteps + 1)
            for f in p.xSteps + p.ySteps { XCTAssert(abs(f - 1) <= settings.distortLimit) }
        }
        XCTAssertEqual(GridDistortionSettings.reference.map(\.numSteps), [5, 7, 9, 12])
        XCTAssertEqual(GridDistortionSettings.reference.map(\.distortLimit), [0.4, 0.5, 0.6, 0.7])
    }

    func testGridDistortionOfAConstantImageIsConstantAndShiftsAColumnAsDrawn() throws {
        let flat = GrayImage(width: 50, height: 30, filledWith: 77)
        var g = SeededGenerator(seed: 3)
        XCTAssertEqual(try Augment.gridDistortion(flat, settings: .init(numSteps: 7, distortLimit: 0.5), using: &g), flat)
        // One vertical line at x = 20. Cells are 10 px; a factor 1.5 on the first makes output
        // columns 0…9 read input 0…13.5 and column 10 read input 15, so input 20 lands on column 15.
        var img = GrayImage(width: 50, height: 10, filledWith: 255)
        for y in 0..<10 { img[20, y] = 0 }
        let p = try GridDistortionParameters(numSteps: 5, xSteps: [1.5, 1, 1, 1, 1, 1], ySteps: [1, 1, 1, 1, 1, 1])
        let out = Augment.gridDistortion(img, parameters: p)
        let darkest = (0..<50).min { out[$0, 5] < out[$1, 5] }!
        XCTAssertEqual(darkest, 15)
    }

    func testGridDistortionRejectsBadParameters() {
        var g = SeededGenerator(seed: 1)
        XCTAssertThrowsError(try Augment.gridDistortion(sample(), settings: .init(numSteps: 0, distortLimit: 0.3), using: &g))
        XCTAssertThrowsError(try Augment.gridDistortion(sample(), settings: .init(numSteps: 5, distortLimit: 1.5), using: &g))
        XCTAssertThrowsError(try GridDistortionParameters(numSteps: 3, xSteps: [1, 1], ySteps: [1, 1, 1, 1])) { e in
            XCTAssert("\(e)".contains("numSteps + 1"))
        }
    }

    // MARK: Multiplicative noise

    func testMultiplicativeNoiseStaysWithinBounds() {
        let img = noiseImage(width: 64, height: 64, seed: 5)
        for elementwise in [false, true] {
            var g = SeededGenerator(seed: 6)
            let out = Augment.multiplicativeNoise(img, multiplier: 0.9...1.1, elementwise: elementwise, using: &g)
            XCTAssertEqual(out.width, img.width)
            for (a, b) in zip(img.pixels, out.pixels) {
                XCTAssertGreaterThanOrEqual(Int(b), Int((Double(a) * 0.9).rounded(.down)))
                XCTAssertLessThanOrEqual(Int(b), min(255, Int((Double(a) * 1.1).rounded(.up))))
            }
        }
        XCTAssertEqual(Augment.multiply(img, by: 1), img)
        XCTAssertEqual(Augment.multiply(GrayImage(width: 1, height: 1, filledWith: 200), by: 1.5).pixels, [255])
        XCTAssertEqual(Augment.multiply(GrayImage(width: 1, height: 1, filledWith: 101), by: 0.9).pixels, [90])  // 90.9 truncated
    }

    // MARK: Motion blur

    func testMotionBlurKernelIsANormalisedLine() throws {
        let k = try MotionBlurKernel(size: 5, from: (0, 0), to: (4, 2))
        XCTAssertEqual(k.weights.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(k.weights.filter { $0 > 0 }.count, 5)  // 8-connected: one cell per column
        var g = SeededGenerator(seed: 8)
        for _ in 0..<200 {
            let r = MotionBlurKernel.random(maxSize: 7, using: &g)
            XCTAssert([3, 5, 7].contains(r.size))
            XCTAssertGreaterThanOrEqual(r.weights.filter { $0 > 0 }.count, 2)
            XCTAssertEqual(r.weights.reduce(0, +), 1, accuracy: 1e-5)
        }
        XCTAssertThrowsError(try MotionBlurKernel(size: 4, from: (0, 0), to: (1, 1)))
        XCTAssertThrowsError(try MotionBlurKernel(size: 3, from: (0, 0), to: (3, 1)))
    }

    func testMotionBlurConservesInkAndSmears() throws {
        let img = sample()  // ink well inside: borders do not interfere
        let k = try MotionBlurKernel(size: 7, from: (0, 3), to: (6, 3))
        let out = Augment.motionBlur(img, kernel: k)
        XCTAssertEqual(out.width, img.width)
        XCTAssertEqual(inkMass(out), inkMass(img), accuracy: inkMass(img) * 0.01 + Double(img.pixelCount) * 0.5)
        XCTAssertNotEqual(out, img)
        XCTAssertEqual(Augment.motionBlur(img, kernel: .identity), img)
        // A horizontal kernel on a single dot gives a horizontal bar of 1/7 ink.
        var dot = GrayImage(width: 21, height: 21, filledWith: 0)
        dot[10, 10] = 255
        let bar = Augment.motionBlur(dot, kernel: k)
        for x in 7...13 { XCTAssertEqual(bar[x, 10], 36) }  // 255/7 = 36.4
        XCTAssertEqual(bar[6, 10], 0)
        XCTAssertEqual(bar[10, 9], 0)
        let flat = GrayImage(width: 30, height: 20, filledWith: 140)
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(try Augment.motionBlur(flat, maxKernel: 7, using: &g), flat)
    }

    // MARK: Median blur

    func testMedianBlurOfAConstantImageIsConstantAndRemovesASpeck() throws {
        let flat = GrayImage(width: 40, height: 25, filledWith: 200)
        for k in [1, 3, 5, 7] { XCTAssertEqual(try Augment.medianBlur(flat, kernelSize: k), flat) }
        var speck = flat
        speck[20, 12] = 0
        speck[0, 0] = 0  // also at the corner, where the replicated border counts it several times
        for k in [3, 5, 7] { XCTAssertEqual(try Augment.medianBlur(speck, kernelSize: k), flat, "kernel \(k)") }
        XCTAssertThrowsError(try Augment.medianBlur(flat, kernelSize: 4))
    }

    func testMedianBlurMatchesABruteForceMedian() throws {
        let img = noiseImage(width: 23, height: 17, seed: 12)
        for k in [3, 5, 7] {
            let out = try Augment.medianBlur(img, kernelSize: k)
            let r = k / 2
            for y in 0..<img.height {
                for x in 0..<img.width {
                    var v: [UInt8] = []
                    for dy in -r...r { for dx in -r...r {
                        v.append(img[min(img.width - 1, max(0, x + dx)), min(img.height - 1, max(0, y + dy))])
                    } }
                    XCTAssertEqual(out[x, y], v.sorted()[v.count / 2], "k \(k) at \(x),\(y)")
                }
            }
        }
    }

    // MARK: Combined chain and reference copies

    func testCombinedChainAndReferenceCopies() {
        let img = sample()
        var g1 = SeededGenerator(seed: 21), g2 = SeededGenerator(seed: 21)
        let copies = Augment.referenceCopies(of: img, using: &g1)
        XCTAssertEqual(copies.count, 5)
        XCTAssertEqual(copies, Augment.referenceCopies(of: img, using: &g2))
        for c in copies {
            XCTAssertEqual(c.width, img.width)
            XCTAssertEqual(c.height, img.height)
            XCTAssertNotEqual(c, img)
        }
        var g3 = SeededGenerator(seed: 22)
        let combined = Augment.combined(img, using: &g3)
        XCTAssertEqual(combined.width, img.width)
        XCTAssertGreaterThan(inkMass(combined), 0)
    }

    // MARK: Random affine

    func testAffineIdentityAndDeterminism() {
        let img = noiseImage(width: 33, height: 21, seed: 2)
        XCTAssertEqual(Augment.affine(img, .identity), img)
        XCTAssertEqual(Augment.affine(img, AffineTransform(thetaDegrees: 0)), img)
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
        let a = Augment.randomAffine(sample(), using: &g1), b = Augment.randomAffine(sample(), using: &g2)
        XCTAssertEqual(a, b)
    }

    func testAffineRotationKeepsInkMassAndShiftMovesIt() {
        let img = sample(width: 160, height: 160)
        for theta in [-15.0, 15.0] {
            let out = Augment.affine(img, AffineTransform(thetaDegrees: theta))
            XCTAssertEqual(out.width, 160)
            XCTAssertNotEqual(out, img)
            XCTAssertEqual(inkMass(out) / inkMass(img), 1, accuracy: 0.1, "θ \(theta)")
        }
        // Keras' tx is along rows: the picture content moves up by tx (input = output + tx).
        var dot = GrayImage(width: 40, height: 40, filledWith: 255)
        dot[20, 20] = 0
        let shifted = Augment.affine(dot, AffineTransform(tx: 5, ty: -3))
        XCTAssertEqual(shifted[23, 15], 0)
        XCTAssertEqual(shifted[20, 20], 255)
        // Nearest fill: an edge pixel is repeated into the uncovered band.
        var edge = GrayImage(width: 20, height: 20, filledWith: 255)
        for y in 0..<20 { edge[0, y] = 0 }
        let moved = Augment.affine(edge, AffineTransform(ty: -4))
        for x in 0...4 { XCTAssertEqual(moved[x, 10], 0) }
        XCTAssertEqual(moved[6, 10], 255)
    }

    func testRandomAffineDrawsWithinTheRanges() {
        var g = SeededGenerator(seed: 13)
        for _ in 0..<500 {
            let t = AffineTransform.random(.reference, width: 224, height: 100, using: &g)
            XCTAssert(abs(t.thetaDegrees) <= 15)
            XCTAssert(abs(t.tx) <= 10)      // 10 % of the height
            XCTAssert(abs(t.ty) <= 22.4)    // 10 % of the width
            XCTAssert(abs(t.zx - 1) <= 0.1 && abs(t.zy - 1) <= 0.1)
        }
    }

    func testFloatPlaneAffineAgreesWithTheByteVersion() {
        let img = sample()
        let t = AffineTransform(thetaDegrees: 7, tx: 3, ty: -2, zx: 1.05, zy: 0.95)
        let plane = Augment.affine(plane: img.pixels.map(Float.init), width: img.width, height: img.height, t)
        let bytes = Augment.affine(img, t)
        for (f, b) in zip(plane, bytes.pixels) { XCTAssertEqual(f.rounded(), Float(b)) }
        XCTAssertEqual(Augment.affine(plane: [1, 2, 3], width: 2, height: 2, t), [1, 2, 3])  // size mismatch: unchanged
    }
}
