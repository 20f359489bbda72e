import Imaging
import NeuralNet
import Training
import XCTest

final class ScanConditionsTests: XCTestCase {
    /// A dark 4-px bar on white, away from the border.
    private func bar(width: Int = 200, height: Int = 100) -> GrayImage {
        var image = GrayImage(width: width, height: height, filledWith: 255)
        for y in 48..<52 { for x in 40..<160 { image.pixels[y * width + x] = 0 } }
        return image
    }

    private func plain(scale: Double = 1, shear: Double = 0, ink: Double = 1, crop: Double = 0, side: Int = 0,
                       rule: Double? = nil) -> ScanConditions {
        ScanConditions(scale: scale, shear: shear, inkStrength: ink, cropShare: crop, cropSide: side, ruleAt: rule,
                       boxRules: false, blur: false)
    }

    private func darkPixels(_ image: GrayImage, below level: UInt8 = 128) -> Int { image.pixels.filter { $0 < level }.count }

    func testNeutralConditionsKeepTheStrokesWhereTheyWere() {
        var rng = SeededGenerator(seed: 3)
        let out = plain().apply(to: bar(), using: &rng)
        XCTAssertEqual(out.width, 200)
        XCTAssertEqual(out.height, 100)
        for y in 48..<52 { for x in 40..<160 { XCTAssertLessThan(out[x, y], 100, "(\(x), \(y))") } }
        // Dust specks may land anywhere, but no stroke appears or disappears.
        XCTAssertLessThan(darkPixels(out) - 4 * 120, 200 * 100 / 100, "at most dust added off the stroke")
    }

    func testScaleShrinksTheScanAndItsStrokes() {
        var rng = SeededGenerator(seed: 3)
        let out = plain(scale: 0.5).apply(to: bar(), using: &rng)
        XCTAssertEqual(out.width, 100)
        XCTAssertEqual(out.height, 50)
        XCTAssertEqual(Double(darkPixels(out)), 2 * 60, accuracy: 20)
    }

    func testShearWidensTheCanvasAndLeansVerticalStrokes() {
        var column = GrayImage(width: 100, height: 100, filledWith: 255)
        for y in 10..<90 { for x in 48..<52 { column.pixels[y * 100 + x] = 0 } }
        var rng = SeededGenerator(seed: 3)
        let out = plain(shear: 0.3).apply(to: column, using: &rng)
        XCTAssertEqual(out.width, 130)
        func inkCentre(_ y: Int) -> Double {
            let xs = (0..<out.width).filter { out[$0, y] < 128 }
            return Double(xs.reduce(0, +)) / Double(max(1, xs.count))
        }
        // x_out = x_in + offset − shear·(y − centre): the top of the stroke sits right of its bottom.
        XCTAssertEqual(inkCentre(20) - inkCentre(80), 0.3 * 60, accuracy: 2)
    }

    func testFaintInkAndCropAndRule() {
        var rng = SeededGenerator(seed: 3)
        let faint = plain(ink: 0.5).apply(to: bar(), using: &rng)
        XCTAssertEqual(Int(faint[100, 50]), 128, accuracy: 16, "half-strength ink is mid-gray")
        let cut = plain(crop: 0.1, side: 1).apply(to: bar(), using: &rng)
        XCTAssertEqual(cut.width, 180)
        XCTAssertEqual(cut.height, 100)
        let ruled = plain(rule: 0.8).apply(to: bar(), using: &rng)
        XCTAssertTrue((0..<200).allSatisfy { ruled[$0, 80] < 160 }, "a rule crosses the whole width at 80 %")
    }

    func testRandomCopiesAreReproducibleAndDiffer() {
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        let first = ScanConditions.copy(of: bar(), using: &a), again = ScanConditions.copy(of: bar(), using: &b)
        XCTAssertEqual(first, again)
        let second = ScanConditions.copy(of: bar(), using: &a)
        XCTAssertNotEqual(first, second)
    }

    /// Whether `crop` equals some window of `page` (rows compared one by one, stopping at the first mismatch).
    private func appears(_ crop: GrayImage, in page: GrayImage) -> Bool {
        func matches(_ x0: Int, _ y0: Int) -> Bool {
            (0..<crop.height).allSatisfy { y in
                page.pixels[((y0 + y) * page.width + x0)..<((y0 + y) * page.width + x0 + crop.width)]
                    .elementsEqual(crop.pixels[(y * crop.width)..<((y + 1) * crop.width)])
            }
        }
        for y0 in 0...(page.height - crop.height) {
            for x0 in 0...(page.width - crop.width) where matches(x0, y0) { return true }
        }
        return false
    }

    func testPageCropsAreSignatureBoxShapedPiecesOfTheImage() {
        var noise = SeededGenerator(seed: 1)
        let page = GrayImage(width: 400, height: 300, pixels: (0..<120_000).map { _ in UInt8(noise.integer(in: 0...255)) })
        var rng = SeededGenerator(seed: 2)
        let crops = PageCrops.crops(of: page, count: 20, using: &rng)
        XCTAssertEqual(crops.count, 20)
        for crop in crops {
            let aspect = Double(crop.width) / Double(crop.height)
            XCTAssertTrue(crop == page || (1.4...4.6).contains(aspect), "aspect \(aspect)")
            XCTAssertLessThanOrEqual(crop.width, 400)
            XCTAssertTrue(appears(crop, in: page), "every crop is a piece of the page")
        }
    }
}
