import Imaging
import NeuralNet
import Training
import XCTest

final class SeededGeneratorTests: XCTestCase {
    func testSameSeedSameStreamDifferentSeedDifferentStream() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let sa = (0..<8).map { _ in a.next() }, sb = (0..<8).map { _ in b.next() }, sc = (0..<8).map { _ in c.next() }
        XCTAssertEqual(sa, sb)
        XCTAssertNotEqual(sa, sc)
    }

    func testStreamsAreIndependentPerIndex() {
        var a = SeededGenerator(seed: 1, stream: 0, index: 5), b = SeededGenerator(seed: 1, stream: 0, index: 5)
        var c = SeededGenerator(seed: 1, stream: 0, index: 6), d = SeededGenerator(seed: 1, stream: 1, index: 5)
        let x = a.next()
        XCTAssertEqual(x, b.next())
        XCTAssertNotEqual(x, c.next())
        XCTAssertNotEqual(x, d.next())
    }

    func testIntegerStaysInRangeAndCoversIt() {
        var g = SeededGenerator(seed: 9)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let v = g.integer(in: 3...7)
            XCTAssert((3...7).contains(v))
            seen.insert(v)
        }
        XCTAssertEqual(seen, Set(3...7))
        XCTAssertEqual(g.integer(in: 5...5), 5)
    }

    func testUniformMomentsAndGaussian() {
        var g = SeededGenerator(seed: 3)
        let n = 100_000
        var sum = 0.0, sumG = 0.0, sumG2 = 0.0
        for _ in 0..<n {
            let u = g.unitDouble()
            XCTAssert(u >= 0 && u < 1)
            sum += u
            let z = g.gaussian()
            sumG += z
            sumG2 += z * z
        }
        XCTAssertEqual(sum / Double(n), 0.5, accuracy: 0.01)
        XCTAssertEqual(sumG / Double(n), 0, accuracy: 0.02)
        XCTAssertEqual(sumG2 / Double(n), 1, accuracy: 0.03)
    }

    func testShuffleIsAPermutation() {
        var g = SeededGenerator(seed: 5)
        var items = Array(0..<50)
        g.shuffle(&items)
        XCTAssertNotEqual(items, Array(0..<50))
        XCTAssertEqual(items.sorted(), Array(0..<50))
    }
}

final class RasterTests: XCTestCase {
    private func mass(_ c: Canvas) -> Double { c.ink.reduce(0) { $0 + Double(min(1, max(0, $1))) } }

    func testHorizontalSegmentCoversExactlyItsWidth() {
        var c = Canvas(width: 60, height: 20)
        c.strokeSegment(Vec2(10, 10), Vec2(50, 10), width: 2)
        // Rows 9 and 10 (centres 9.5, 10.5) are fully inside; rows 8 and 11 are 1.5 px away: empty.
        for x in 12...48 {
            XCTAssertEqual(c.ink[9 * 60 + x], 1)
            XCTAssertEqual(c.ink[10 * 60 + x], 1)
            XCTAssertEqual(c.ink[8 * 60 + x], 0)
            XCTAssertEqual(c.ink[11 * 60 + x], 0)
        }
        // Length × width plus the round caps (π r² = π).
        XCTAssertEqual(mass(c), 40 * 2 + Double.pi, accuracy: 1.5)
    }

    func testDiagonalSegmentInkMassMatchesArea() {
        var c = Canvas(width: 100, height: 100)
        c.strokeSegment(Vec2(10, 10), Vec2(90, 70), width: 3)  // length 100
        XCTAssertEqual(mass(c), 100 * 3 + Double.pi * 2.25, accuracy: 8)
    }

    func testOverlappingStrokesDoNotDarkenBeyondFullInk() {
        var c = Canvas(width: 40, height: 40)
        c.strokePolyline([Vec2(5, 20), Vec2(35, 20), Vec2(5, 20)], width: 4)
        XCTAssertEqual(c.ink.max(), 1)
        let gray = c.grayImage()
        XCTAssertEqual(gray.pixels.min(), 0)
        XCTAssertEqual(gray[0, 0], 255)
    }

    func testCircleOutlineAndDiscAreas() {
        var ring = Canvas(width: 100, height: 100)
        ring.strokeCircle(center: Vec2(50, 50), radius: 30, width: 2)
        XCTAssertEqual(mass(ring), 2 * Double.pi * 30 * 2, accuracy: 4)
        var disc = Canvas(width: 100, height: 100)
        disc.fillCircle(center: Vec2(50, 50), radius: 20)
        XCTAssertEqual(mass(disc), Double.pi * 400, accuracy: 4)
        XCTAssertEqual(disc.ink[50 * 100 + 50], 1)
    }

    func testFilledPolygonsCoverTheirArea() {
        var rect = Canvas(width: 50, height: 50)
        rect.fillPolygon(Canvas.rectangle(origin: Vec2(10, 10), size: Vec2(20, 15)))
        XCTAssertEqual(mass(rect), 300, accuracy: 0.01)
        var half = Canvas(width: 50, height: 50)
        half.fillPolygon(Canvas.rectangle(origin: Vec2(10.5, 10), size: Vec2(20, 15)))
        XCTAssertEqual(half.ink[12 * 50 + 10], 0.5, accuracy: 1e-6)  // edge through the pixel centre
        XCTAssertEqual(mass(half), 300, accuracy: 0.01)
        var tri = Canvas(width: 60, height: 60)
        tri.fillPolygon([Vec2(5, 5), Vec2(55, 5), Vec2(5, 45)])
        XCTAssertEqual(mass(tri), 50 * 40 / 2, accuracy: 6)
        var rotated = Canvas(width: 80, height: 80)
        rotated.fillPolygon(Canvas.rectangle(origin: Vec2(20, 30), size: Vec2(40, 20), angle: 0.5))
        XCTAssertEqual(mass(rotated), 800, accuracy: 6)
    }

    func testOutlinedPolygonLeavesTheInsideWhite() {
        var c = Canvas(width: 50, height: 50)
        c.strokePolygon([Vec2(5, 5), Vec2(45, 5), Vec2(25, 45)], width: 2)
        XCTAssertEqual(c.ink[20 * 50 + 25], 0)
        XCTAssertEqual(c.ink[5 * 50 + 25], 1)
    }

    func testBezierEvaluationAndFlattening() throws {
        let ctrl = [Vec2(0, 0), Vec2(50, 100), Vec2(100, 0)]
        let mid = try XCTUnwrap(Bezier.point(ctrl, at: 0.5))
        XCTAssertEqual(mid.x, 50, accuracy: 1e-9)
        XCTAssertEqual(mid.y, 50, accuracy: 1e-9)  // ¼·0 + ½·100 + ¼·0
        XCTAssertNil(Bezier.point([], at: 0.5))
        XCTAssertEqual(Bezier.flatten([Vec2(1, 2), Vec2(5, 6)]), [Vec2(1, 2), Vec2(5, 6)])
        // Every point of a degree-5 curve lies within the tolerance of the flattened polyline.
        let quintic = [Vec2(0, 0), Vec2(300, 40), Vec2(20, 280), Vec2(250, 250), Vec2(-50, 100), Vec2(150, 10)]
        let poly = Bezier.flatten(quintic, tolerance: 0.2)
        XCTAssertGreaterThan(poly.count, 10)
        XCTAssertEqual(poly.first, quintic.first)
        XCTAssertEqual(poly.last, quintic.last)
        for i in 0...400 {
            let p = try XCTUnwrap(Bezier.point(quintic, at: Double(i) / 400))
            var best = Double.infinity
            for j in 0..<(poly.count - 1) { best = min(best, distance(p, poly[j], poly[j + 1])) }
            XCTAssertLessThan(best, 0.3, "curve point \(i) is \(best) px from the polyline")
        }
        // Collinear control points that overshoot the chord still bend back and must be followed.
        let overshoot = Bezier.flatten([Vec2(0, 0), Vec2(200, 0), Vec2(100, 0)])
        XCTAssertGreaterThan(overshoot.map(\.x).max()!, 120)
    }

    private func distance(_ p: Vec2, _ a: Vec2, _ b: Vec2) -> Double {
        let ab = b - a, ap = p - a
        let l2 = ab.dot(ab)
        let t = l2 > 0 ? min(1, max(0, ap.dot(ab) / l2)) : 0
        return (ap - ab * t).length
    }

    func testGrayImageMapsDarknessToBlackOnWhite() {
        var c = Canvas(width: 3, height: 1)
        c.ink = [0, 0.5, 2]
        XCTAssertEqual(c.grayImage().pixels, [255, 128, 0])
        XCTAssertEqual(Canvas(width: -2, height: 3).ink.count, 0)
    }
}

final class FontTests: XCTestCase {
    func testTextIsRenderedAndMeasured() throws {
        let fonts: FontLibrary
        do { fonts = try FontLibrary() } catch let e as FontError { throw XCTSkip("fonts-dejavu-core absent: \(e)") }
        XCTAssertFalse(fonts.styles.isEmpty)
        let short = try fonts.measure("Pay", style: .sans, pixelSize: 30)
        let long = try fonts.measure("Pay to the order of", style: .sans, pixelSize: 30)
        XCTAssertGreaterThan(short, 20)
        XCTAssertGreaterThan(long, short * 3)
        XCTAssertEqual(try fonts.measure("Pay", style: .sans, pixelSize: 60), short * 2, accuracy: 3)
        var c = Canvas(width: 400, height: 100)
        try fonts.draw("Pay to the order of", style: .serif, pixelSize: 30, at: Vec2(10, 60), on: &c)
        let inked = c.ink.filter { $0 > 0.5 }.count
        XCTAssertGreaterThan(inked, 300)
        // Ink lies around the baseline: nothing far below it, nothing left of the origin.
        for y in 75..<100 { for x in 0..<400 { XCTAssertEqual(c.ink[y * 400 + x], 0, "ink below the baseline at \(x),\(y)") } }
        for y in 0..<100 { for x in 0..<9 { XCTAssertEqual(c.ink[y * 400 + x], 0) } }
        var turned = Canvas(width: 400, height: 400)
        try fonts.draw("ROTATED", style: .sansBold, pixelSize: 40, at: Vec2(100, 100), angle: Double.pi / 2, on: &turned)
        // A quarter turn clockwise runs the text downwards: ink spans more rows than columns.
        let pts = turned.ink.indices.filter { turned.ink[$0] > 0.5 }
        let rows = Set(pts.map { $0 / 400 }), cols = Set(pts.map { $0 % 400 })
        XCTAssertGreaterThan(rows.count, cols.count * 3)
    }

    func testMissingFontsGiveATypedError() {
        XCTAssertThrowsError(try FontLibrary(directories: ["/nonexistent-font-dir"])) { error in
            XCTAssertEqual(error as? FontError, .noFontsFound(searched: ["/nonexistent-font-dir"]))
            XCTAssert("\(error)".contains("fonts-dejavu-core"))
        }
    }
}
