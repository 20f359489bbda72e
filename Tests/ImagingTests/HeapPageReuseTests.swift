import Foundation
import Imaging
import XCTest

/// `HeapPageReuse.enable()` must make a repeated large decode reuse heap pages: the kernel's minor
/// page faults during the second decode of a 2500×1200 JPEG stay far below the 733 pages of one
/// gray buffer (two such buffers — the decoder's and the `GrayImage`'s — are allocated per decode).
final class HeapPageReuseTests: XCTestCase {
    func testRepeatedLargeDecodeReusesHeapPages() throws {
        #if os(Linux)
        XCTAssertTrue(HeapPageReuse.enable(), "glibc refused the thresholds")
        let width = 2500, height = 1200
        var pixels = [UInt8](repeating: 220, count: width * height)
        for i in stride(from: 0, to: pixels.count, by: 7) { pixels[i] = UInt8(truncatingIfNeeded: i &* 31) }
        let jpeg = try JPEGEncoder.encode(GrayImage(width: width, height: height, pixels: pixels))
        let decoder = ImageDecoder()
        _ = try decoder.decode(jpeg)  // the first decode grows the heap
        let before = Self.minorFaults()
        let image = try decoder.decode(jpeg)
        let faults = Self.minorFaults() - before
        XCTAssertEqual(image.width, width)
        let pagesPerBuffer = (width * height + 4095) / 4096
        XCTAssertLessThan(faults, pagesPerBuffer / 4, "\(faults) minor faults in a repeated decode")
        #else
        throw XCTSkip("mallopt thresholds are glibc's")
        #endif
    }

    private static func minorFaults() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_minflt
    }
}
