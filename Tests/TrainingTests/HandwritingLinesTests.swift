import Imaging
import NeuralNet
import Training
import XCTest

final class HandwritingLinesTests: XCTestCase {
    /// A gray "signature": a `w`×`h` block of dark 3-row strokes 8 rows apart on gray paper (220),
    /// with a margin of paper around it — paper shows between the strokes, inside the ink's box.
    private func word(_ w: Int, _ h: Int, paper: UInt8 = 220) -> GrayImage {
        var image = GrayImage(width: w + 40, height: h + 30, filledWith: paper)
        for y in 15..<(15 + h) where (y - 15) % 8 < 3 || y == 14 + h { for x in 20..<(20 + w) { image.pixels[y * image.width + x] = 30 } }
        return image
    }

    private func inkBox(_ image: GrayImage) -> (width: Int, height: Int)? {
        image.darkBox().map { ($0.maxX - $0.minX + 1, $0.maxY - $0.minY + 1) }
    }

    func testALineIsLongerThanAnyOfItsWordsAndThePaperIsWhite() throws {
        let words = (0..<HandwritingLines.maximumWords).map { word(150 + 10 * ($0 % 4), 50) }
        for seed in UInt64(1)...20 {
            var rng = SeededGenerator(seed: seed)
            let image = try XCTUnwrap(HandwritingLines.compose(words, using: &rng))
            let box = try XCTUnwrap(inkBox(image))
            // Each word is about 3:1; a line holds at least three words, so even three stacked lines are wider than high.
            XCTAssertGreaterThan(Double(box.width) / Double(box.height), 1.8, "seed \(seed): \(box)")
            // The paper between the strokes became white: only the resized strokes' edges pass through the
            // paper's tone (without whitening, five rows in eight of every word would be 220).
            let paperTone = image.pixels.filter { (210...230).contains($0) }.count
            XCTAssertLessThan(Double(paperTone) / Double(image.pixels.count), 0.03, "seed \(seed): the paper tone is gone")
            XCTAssertEqual(image.pixels.max(), 255)
        }
    }

    func testTheSameSeedGivesTheSameCompositeAndBlankWordsGiveNone() throws {
        let words = (0..<6).map { word(100, 40 + $0) }
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        XCTAssertEqual(HandwritingLines.compose(words, using: &a), HandwritingLines.compose(words, using: &b))
        var rng = SeededGenerator(seed: 1)
        let blank = GrayImage(width: 100, height: 40, filledWith: 250)
        XCTAssertNil(HandwritingLines.compose([blank, blank, blank, word(100, 40)], using: &rng))
    }
}
