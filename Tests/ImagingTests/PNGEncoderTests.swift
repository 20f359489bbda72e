import XCTest
import Imaging

final class PNGEncoderTests: XCTestCase {
    func testRoundTripIsLossless() throws {
        var rng = SplitMix64(seed: 42)
        for (w, h) in [(1, 1), (3, 2), (224, 224), (333, 157), (1, 700)] {
            let pixels = (0..<w * h).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let image = GrayImage(width: w, height: h, pixels: pixels)
            let png = try PNGEncoder.encode(image)
            XCTAssertEqual(ImageFormat.sniff(png), .png)
            XCTAssertEqual(try ImageDecoder().decode(png), image)
        }
    }

    func testEmptyImageIsRefused() {
        XCTAssertThrowsError(try PNGEncoder.encode(GrayImage(width: 0, height: 5))) { error in
            guard case ImagingError.encodingFailed = error else { return XCTFail("\(error)") }
        }
    }
}
