import Foundation
import Imaging
import TestSupport
import Training
import XCTest

/// The augmentations against the libraries the reference used (fixture made by
/// Tests/Fixtures/augment/make_fixtures.py: Keras/scipy, OpenCV).
final class AugmentationReferenceTests: XCTestCase {
    private struct Reference: Decodable {
        struct Affine: Decodable { let theta, tx, ty, zx, zy: Double; let output: [Float] }
        struct Median: Decodable { let k: Int; let output: [UInt8] }
        struct Motion: Decodable { let k: Int; let from: [Int]; let to: [Int]; let kernel: [Int]; let output: [UInt8] }
        let width, height: Int
        let input: [UInt8]
        let affine: [Affine]
        let median: [Median]
        let motion: [Motion]
    }

    private func reference() throws -> Reference {
        let data = try Data(contentsOf: FixturePaths.local("augment/reference.json"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    func testAffineMatchesKerasApplyAffineTransform() throws {
        let ref = try reference()
        let plane = ref.input.map(Float.init)
        for c in ref.affine {
            let t = AffineTransform(thetaDegrees: c.theta, tx: c.tx, ty: c.ty, zx: c.zx, zy: c.zy)
            let out = Augment.affine(plane: plane, width: ref.width, height: ref.height, t)
            var worst: Float = 0
            for (a, b) in zip(out, c.output) { worst = max(worst, abs(a - b)) }
            XCTAssertLessThan(worst, 0.01, "θ \(c.theta) tx \(c.tx) ty \(c.ty) zx \(c.zx) zy \(c.zy)")
        }
    }

    func testMedianBlurMatchesOpenCV() throws {
        let ref = try reference()
        let img = GrayImage(width: ref.width, height: ref.height, pixels: ref.input)
        for c in ref.median {
            XCTAssertEqual(try Augment.medianBlur(img, kernelSize: c.k).pixels, c.output, "k \(c.k)")
        }
    }

    func testMotionBlurKernelAndFilterMatchOpenCV() throws {
        let ref = try reference()
        let img = GrayImage(width: ref.width, height: ref.height, pixels: ref.input)
        for c in ref.motion {
            let k = try MotionBlurKernel(size: c.k, from: (c.from[0], c.from[1]), to: (c.to[0], c.to[1]))
            XCTAssertEqual(k.weights.map { $0 > 0 ? 1 : 0 }, c.kernel, "line \(c.from)→\(c.to) in \(c.k)×\(c.k)")
            let out = Augment.motionBlur(img, kernel: k)
            let diffs = zip(out.pixels, c.output).filter { $0 != $1 }.count
            XCTAssertEqual(diffs, 0, "k \(c.k) \(c.from)→\(c.to): \(diffs) pixels differ from cv2.filter2D")
        }
    }
}
