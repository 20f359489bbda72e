import Imaging
import WriterVerification
import XCTest

/// The writer network's input depends on the ink, not on the scan's resolution or its gray levels.
final class WriterPreprocessingTests: XCTestCase {
    /// A signature-like scribble (three loops and a stroke) on light-gray paper, drawn at `scale`
    /// pixels per unit; `bitonal` draws pure black on white.
    static func scribble(scale: Int, bitonal: Bool = false) -> GrayImage {
        let (w, h) = (300 * scale, 120 * scale)
        var pixels = [UInt8](repeating: bitonal ? 255 : 215, count: w * h)
        let ink: UInt8 = bitonal ? 0 : 60
        let pen = 1.5 * Double(scale)
        for step in 0..<4000 {
            let t = Double(step) / 4000
            let x = 30 + 240 * t + 18 * cos(t * 6 * .pi * 2)
            let y = 60 + 30 * sin(t * 6 * .pi * 2) * (1 - 0.5 * t)
            let (cx, cy) = (x * Double(scale), y * Double(scale))
            for yy in Int(cy - pen)...Int(cy + pen) where yy >= 0 && yy < h {
                for xx in Int(cx - pen)...Int(cx + pen) where xx >= 0 && xx < w {
                    if (Double(xx) - cx) * (Double(xx) - cx) + (Double(yy) - cy) * (Double(yy) - cy) <= pen * pen {
                        pixels[yy * w + xx] = ink
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: pixels)
    }

    private func meanAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(a.count)
    }

    private let preprocessing = try! WriterPreprocessing(parameters: WriterParameters())

    func testInputIsTheFramedInk() throws {
        let x = try preprocessing.input(Self.scribble(scale: 1))
        XCTAssertEqual(x.count, 64 * 128)
        XCTAssertTrue(x.allSatisfy { (0...1).contains($0) })
        let ink = x.filter { $0 > 0.5 }.count
        XCTAssertGreaterThan(ink, 300, "the strokes are there")
        XCTAssertLessThan(ink, 64 * 128 / 2, "the paper is not")
        // Cropped to the ink: the scribble spans the frame's width.
        let columns = (0..<128).filter { c in (0..<64).contains { x[$0 * 128 + c] > 0.5 } }
        XCTAssertGreaterThan(columns.count, 110)
    }

    func testTwoResolutionsGiveNearlyTheSameInput() throws {
        let one = try preprocessing.input(Self.scribble(scale: 1))
        let two = try preprocessing.input(Self.scribble(scale: 2))
        let four = try preprocessing.input(Self.scribble(scale: 4))
        XCTAssertLessThan(meanAbsoluteDifference(one, two), 0.05)
        XCTAssertLessThan(meanAbsoluteDifference(two, four), 0.05)
        let other = try preprocessing.input(GrayImage(width: 300, height: 120, pixels: Self.scribble(scale: 1).pixels.reversed()))
        XCTAssertGreaterThan(meanAbsoluteDifference(one, other), 2 * meanAbsoluteDifference(one, two), "a different image differs more")
    }

    func testBitonalAndGrayScansGiveNearlyTheSameInput() throws {
        let gray = try preprocessing.input(Self.scribble(scale: 2))
        let bitonal = try preprocessing.input(Self.scribble(scale: 2, bitonal: true))
        XCTAssertLessThan(meanAbsoluteDifference(gray, bitonal), 0.02)
    }

    func testRecordedProfileParametersReachTheInput() throws {
        let gray = Self.scribble(scale: 2)
        let shaded = try WriterPreprocessing(parameters: WriterParameters(preprocessing: ["ink_intensity": 1]))
        XCTAssertEqual(shaded.profile.parameters["ink_intensity"], 1)
        let x = try shaded.input(gray), bitonal = try preprocessing.input(gray)
        XCTAssertLessThan(x.max()!, bitonal.max()!, "ink 60 on paper 215 is not full darkness")
        XCTAssertThrowsError(try WriterPreprocessing(parameters: WriterParameters(preprocessing: ["ink_intensity": 5])))
    }
}
