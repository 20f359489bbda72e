import XCTest
import Imaging

final class GrayImageTests: XCTestCase {
    func testSubscriptAddressesRowMajorPixels() {
        var image = GrayImage(width: 3, height: 2, filledWith: 7)
        image[2, 1] = 9
        XCTAssertEqual(image.pixels, [7, 7, 7, 7, 7, 9])
        XCTAssertEqual(image.pixelCount, 6)
    }
}
