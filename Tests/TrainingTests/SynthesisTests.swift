import Imaging
import NeuralNet
import Training
import XCTest

final class SynthesisTests: XCTestCase {
    private func darkCount(_ img: GrayImage, below: UInt8 = 128) -> Int { img.pixels.filter { $0 < below }.count }

    func testSignatureShapeInkAndDeterminism() {
        let synth = Synthesizer(fonts: nil)
        var g1 = SeededGenerator(seed: 100), g2 = SeededGenerator(seed: 100), g3 = SeededGenerator(seed: 101)
        let a = synth.signature(using: &g1), b = synth.signature(using: &g2), c = synth.signature(using: &g3)
        XCTAssertEqual(a.width, 1200)
        XCTAssertEqual(a.height, 600)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        // 3–6 strokes of ~2 px: a few thousand dark pixels, on a white background with white margins.
        let dark = darkCount(a)
        XCTAssert((600...40_000).contains(dark), "\(dark) dark pixels")
        XCTAssertEqual(a.pixels.filter { $0 == 255 }.count, a.pixelCount - a.pixels.filter { $0 < 255 }.count)
        XCTAssertGreaterThan(Double(a.pixels.filter { $0 == 255 }.count) / Double(a.pixelCount), 0.9)
        for x in 0..<1200 { XCTAssertEqual(a[x, 0], 255); XCTAssertEqual(a[x, 599], 255) }
    }

    func testSignatureStrokesAreAboutTwoPixelsWide() {
        // Count dark runs across a middle row: each crossing of a ~2 px stroke is 1–4 pixels long.
        var g = SeededGenerator(seed: 7)
        var runs: [Int] = []
        for _ in 0..<10 {
            let img = SyntheticSignature.generate(using: &g)
            for y in stride(from: 100, to: 500, by: 37) {
                var run = 0
                for x in 0..<img.width {
                    if img[x, y] < 128 { run += 1 } else if run > 0 { runs.append(run); run = 0 }
                }
            }
        }
        XCTAssertGreaterThan(runs.count, 20)
        let median = runs.sorted()[runs.count / 2]
        XCTAssert((1...3).contains(median), "median crossing \(median) px")
    }

    func testCursiveSignaturesAndScanBackgrounds() {
        for seed in 0..<6 as Range<UInt64> {
            var g = SeededGenerator(seed: seed), again = SeededGenerator(seed: seed)
            let white = SyntheticSignature.generate(.cursive, style: SyntheticSignatureStyle(width: 600, height: 300), using: &g)
            XCTAssertEqual(white, SyntheticSignature.generate(.cursive, style: SyntheticSignatureStyle(width: 600, height: 300), using: &again))
            let dark = darkCount(white)
            XCTAssert((200...30_000).contains(dark), "cursive seed \(seed): \(dark) dark pixels")
            XCTAssertEqual(white[0, 0], 255)
            var h = SeededGenerator(seed: seed)
            let scan = SyntheticSignature.generate(.cursive, style: SyntheticSignatureStyle(width: 600, height: 300, background: .scan),
                                                   using: &h)
            XCTAssertGreaterThan(Set(scan.pixels).count, 20)  // anti-aliased pen, and grain where it survives
        }
    }

    /// The script kinds (issue 20): deterministic per seed, one line of ink inside the canvas, and
    /// each with its family's mark — a long horizontal run (the headline) across most headline
    /// names; for the logographic ones, a row of square characters: an ink box 0.8 to 8 times as
    /// wide as high.
    func testScriptKindsWriteOneLineWithTheirFamilysShape() {
        let style = SyntheticSignatureStyle(width: 600, height: 300)
        var headlines = 0, blockShaped = 0
        for seed in 0..<20 as Range<UInt64> {
            for kind in [SignatureKind.headline, .blocks] {
                var g = SeededGenerator(seed: seed), again = SeededGenerator(seed: seed)
                let img = SyntheticSignature.generate(kind, style: style, using: &g)
                XCTAssertEqual(img, SyntheticSignature.generate(kind, style: style, using: &again))
                guard let box = img.darkBox() else { XCTFail("\(kind) seed \(seed): no ink"); continue }
                XCTAssertLessThan(box.maxY - box.minY, 270, "\(kind) seed \(seed): one line, inside the canvas")
                if kind == .headline, longestDarkRun(img) >= (box.maxX - box.minX) / 6 { headlines += 1 }
                if kind == .blocks, (0.8...8).contains(Double(box.maxX - box.minX) / Double(max(1, box.maxY - box.minY))) { blockShaped += 1 }
            }
        }
        XCTAssertGreaterThanOrEqual(headlines, 14, "most headline names carry a line across a word")
        XCTAssertGreaterThanOrEqual(blockShaped, 18, "logographic names are a row of square characters")
    }

    /// The stylised kind (issue 20): deterministic per seed, inked like a signature, and of more than
    /// one form — some spread over most of the canvas's width (zigzags, paraphs), some on two lines or
    /// round a loop (an ink box at least half as high as the canvas).
    func testFlourishSignaturesTakeSeveralForms() {
        let style = SyntheticSignatureStyle(width: 600, height: 300)
        var wide = 0, tall = 0
        for seed in 0..<24 as Range<UInt64> {
            var g = SeededGenerator(seed: seed), again = SeededGenerator(seed: seed)
            let img = SyntheticSignature.generate(.flourish, style: style, using: &g)
            XCTAssertEqual(img, SyntheticSignature.generate(.flourish, style: style, using: &again))
            let dark = darkCount(img)
            XCTAssert((150...30_000).contains(dark), "flourish seed \(seed): \(dark) dark pixels")
            guard let box = img.darkBox() else { XCTFail("flourish seed \(seed): no ink"); continue }
            if box.maxX - box.minX >= 300 { wide += 1 }
            if box.maxY - box.minY >= 150 { tall += 1 }
        }
        XCTAssertGreaterThanOrEqual(wide, 6, "zigzags and paraphs run across the canvas")
        XCTAssertGreaterThanOrEqual(tall, 6, "loops and two-line names are tall")
        XCTAssertLessThan(tall, 24, "not every form is tall")
    }

    private func longestDarkRun(_ img: GrayImage) -> Int {
        var best = 0
        for y in 0..<img.height {
            var run = 0
            for x in 0..<img.width {
                run = img[x, y] < 128 ? run + 1 : 0
                best = max(best, run)
            }
        }
        return best
    }

    func testSignatureSizeIsAParameter() {
        var g = SeededGenerator(seed: 1)
        let img = SyntheticSignature.generate(style: SyntheticSignatureStyle(width: 400, height: 200), using: &g)
        XCTAssertEqual(img.width, 400)
        XCTAssertEqual(img.height, 200)
        XCTAssertGreaterThan(darkCount(img), 100)
    }

    func testGeneratedKindsAreBlackStrokesOnWhite224() throws {
        let synth = Synthesizer(fonts: nil)
        for kind in NonSignatureKind.generated {
            for seed in 0..<5 as Range<UInt64> {
                var g = SeededGenerator(seed: seed)
                let img = try synth.nonSignature(kind, using: &g)
                XCTAssertEqual(img.width, 224)
                XCTAssertEqual(img.height, 224)
                let dark = darkCount(img)
                XCTAssertGreaterThan(dark, 20, "\(kind) seed \(seed)")
                XCTAssertLessThan(Double(dark) / Double(img.pixelCount), 0.35, "\(kind) seed \(seed)")
                XCTAssertLessThanOrEqual(img.pixels.min()!, 40, "\(kind): dark ink somewhere")
                var again = SeededGenerator(seed: seed)
                XCTAssertEqual(img, try synth.nonSignature(kind, using: &again))
            }
        }
    }

    func testRealisticKindsLookLikeScans() throws {
        let synth = Synthesizer()
        guard synth.fonts != nil else { throw XCTSkip("fonts-dejavu-core absent") }
        for kind in NonSignatureKind.realistic {
            var totalDark = 0, textured = 0
            for seed in 0..<12 as Range<UInt64> {
                var g = SeededGenerator(seed: seed)
                let img = try synth.nonSignature(kind, using: &g)
                XCTAssertEqual(img.width, 600)
                XCTAssertEqual(img.height, 300)
                let mean = img.pixels.reduce(0) { $0 + Int($1) } / img.pixelCount
                if kind != .picture { XCTAssert(mean >= 120, "\(kind) mean \(mean): paper should stay light") }
                if Set(img.pixels).count > 40 { textured += 1 }
                totalDark += darkCount(img)
                var again = SeededGenerator(seed: seed)
                XCTAssertEqual(img, try synth.nonSignature(kind, using: &again))
            }
            // Anti-aliased text and rules, and paper grain where it survives the scanner's white point.
            XCTAssertGreaterThan(textured, 2, "\(kind): too few images with grey levels")
            if kind == .blankPaper {
                XCTAssertLessThan(totalDark, 12 * 600 * 300 / 200, "blank paper stays (nearly) blank")
            } else {
                XCTAssertGreaterThan(totalDark, kind == .emptyBox ? 100 : 3000, "\(kind) has little ink")
            }
        }
    }

    func testTextKindsWithoutFontsThrowATypedError() {
        let synth = Synthesizer(fonts: nil)
        var g = SeededGenerator(seed: 1)
        for kind in NonSignatureKind.realistic {
            if kind.needsFonts {
                XCTAssertThrowsError(try synth.nonSignature(kind, using: &g)) { XCTAssert($0 is FontError) }
            } else {
                XCTAssertNoThrow(try synth.nonSignature(kind, using: &g))
            }
        }
    }

    func testKindListParsing() throws {
        XCTAssertEqual(try NonSignatureKind.parseList("polyline, stamp"), [.polyline, .stamp])
        XCTAssertEqual(try NonSignatureKind.parseList("generated"), NonSignatureKind.generated)
        XCTAssertEqual(try NonSignatureKind.parseList("realistic,empty_box"), NonSignatureKind.realistic)
        XCTAssertEqual(try NonSignatureKind.parseList("all"), NonSignatureKind.allCases)
        XCTAssertEqual(Set(NonSignatureKind.generated + NonSignatureKind.realistic), Set(NonSignatureKind.allCases))
        XCTAssertEqual(NonSignatureKind.allCases.map(\.rawValue),
                       ["polyline", "shapes", "text_strokes", "sine_waves", "circles", "composite",
                        "empty_box", "printed_text", "stamp", "page_fragment", "blank_paper", "barcode", "qr_code",
                        "handwritten_text", "picture"])
        XCTAssertThrowsError(try NonSignatureKind.parseList("polyline,scribble")) { e in
            XCTAssertEqual(e as? NonSignatureKindError, .unknown("scribble"))
            XCTAssert("\(e)".contains("page_fragment"))
        }
        XCTAssertThrowsError(try NonSignatureKind.parseList(" , "))
    }
}
