import XCTest
import Imaging
import Preprocessing

/// `CleanStages.removeSmallComponents` labels runs, not pixels; it must remove exactly what a plain
/// 8-connected pixel flood fill removes.
final class ComponentRemovalTests: XCTestCase {
    /// The reference: flood fill from every unvisited ink pixel, clearing components below `minimumArea`.
    static func floodFillReference(_ image: GrayImage, minimumArea: Int) -> GrayImage {
        let (w, h) = (image.width, image.height)
        var out = image.pixels
        var seen = [Bool](repeating: false, count: w * h)
        for startIndex in 0..<(w * h) where out[startIndex] != 0 && !seen[startIndex] {
            var stack = [startIndex], component: [Int] = []
            seen[startIndex] = true
            while let i = stack.popLast() {
                component.append(i)
                for dy in -1...1 { for dx in -1...1 {
                    let (x, y) = (i % w + dx, i / w + dy)
                    guard x >= 0, x < w, y >= 0, y < h, out[y * w + x] != 0, !seen[y * w + x] else { continue }
                    seen[y * w + x] = true
                    stack.append(y * w + x)
                }}
            }
            if component.count < minimumArea { component.forEach { out[$0] = 0 } }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Random ink at several densities (sparse specks to one large tangle), widths that are and are
    /// not multiples of the eight-pixel skip, and several area limits.
    func testSameComponentsAsAFloodFill() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for (w, h) in [(1, 1), (7, 5), (8, 3), (33, 17), (64, 40), (101, 77)] {
            for density in [2, 10, 30, 55] {
                let pixels = (0..<(w * h)).map { _ in next() % 100 < UInt64(density) ? UInt8(200 + next() % 56) : 0 }
                let image = GrayImage(width: w, height: h, pixels: pixels)
                for area in [2, 3, 9, 40] {
                    XCTAssertEqual(CleanStages.removeSmallComponents(image, minimumArea: area),
                                   Self.floodFillReference(image, minimumArea: area),
                                   "\(w)×\(h), density \(density) %, minimum area \(area)")
                }
            }
        }
    }

    /// Diagonal touches join components; a gap of one pixel does not.
    func testDiagonalTouchJoinsAndAGapSeparates() {
        var image = GrayImage(width: 12, height: 4)
        for (x, y) in [(0, 0), (1, 1), (2, 2), (3, 3)] { image[x, y] = 255 }   // one diagonal line of 4
        for (x, y) in [(8, 0), (10, 0), (9, 2)] { image[x, y] = 255 }          // three single pixels
        let cleaned = CleanStages.removeSmallComponents(image, minimumArea: 4)
        XCTAssertEqual(cleaned[3, 3], 255, "the diagonal line has 4 pixels")
        XCTAssertEqual([cleaned[8, 0], cleaned[10, 0], cleaned[9, 2]], [0, 0, 0], "no two of these touch")
    }
}
