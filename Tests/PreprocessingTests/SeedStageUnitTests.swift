import Foundation
import XCTest
import Imaging
import Preprocessing

/// Small hand-checkable cases and edge inputs the golden fixtures do not cover.
final class SeedStageUnitTests: XCTestCase {
    func testGaussianKernelHasOpenCVBits() {
        // cv2.getGaussianKernel(11, 0, cv2.CV_32F).view(np.uint32)
        let expected: [UInt32] = [1007706411, 1021205557, 1032149637, 1039737638, 1043676943, 1045258501,
                                  1043676943, 1039737638, 1032149637, 1021205557, 1007706411]
        XCTAssertEqual(SeedStages.gaussianKernel(size: 11).map(\.bitPattern), expected)
    }

    func testEqualizeConstantImageStaysConstant() {
        let image = GrayImage(width: 5, height: 3, filledWith: 77)
        XCTAssertEqual(SeedStages.equalizeHistogram(image), image)
    }

    func testEqualizeTwoLevelsSpreadsToFullRange() {
        let image = GrayImage(width: 2, height: 2, pixels: [10, 10, 20, 30])
        // hist: 10→2, 20→1, 30→1; scale = 255/2; lut[20] = round(127.5) = 128 (half to even), lut[30] = 255
        XCTAssertEqual(SeedStages.equalizeHistogram(image).pixels, [0, 0, 128, 255])
    }

    func testHistogramCountsEveryPixelWhateverTheSizeAndValues() {
        var state: UInt32 = 24   // a fixed linear congruential sequence
        func next() -> UInt8 { state = state &* 1_664_525 &+ 1_013_904_223; return UInt8(state >> 24) }
        for (width, height) in [(1, 1), (7, 1), (8, 1), (9, 3), (333, 157)] {
            for flat in [false, true] {
                let pixels = (0..<width * height).map { _ in flat ? 200 : next() }
                var expected = [Int](repeating: 0, count: 256)
                for p in pixels { expected[Int(p)] += 1 }
                XCTAssertEqual(SeedStages.histogram(GrayImage(width: width, height: height, pixels: pixels)), expected,
                               "\(width)×\(height) flat \(flat)")
            }
        }
    }

    func testBlurOfOnePixelImagesAndBorders() {
        XCTAssertEqual(SeedStages.gaussianBlur3x3(GrayImage(width: 1, height: 1, pixels: [200])).pixels, [200])
        // A single row: vertical reflection gives the row itself; horizontal [1 2 1]/4 with reflect-101.
        let row = GrayImage(width: 3, height: 1, pixels: [0, 16, 0])
        // x=0: (16 + 0 + 16)/4 = 8; x=1: (0 + 32 + 0)/4 = 8; x=2: 8
        XCTAssertEqual(SeedStages.gaussianBlur3x3(row).pixels, [8, 8, 8])
    }

    func testOpeningUsesAnchorOneOne() {
        // A 2×2 block survives the opening but moves by one pixel right and down, as OpenCV's does.
        var image = GrayImage(width: 5, height: 5)
        for (x, y) in [(1, 1), (2, 1), (1, 2), (2, 2)] { image[x, y] = 255 }
        let opened = SeedStages.open2x2(image)
        var expected = GrayImage(width: 5, height: 5)
        for (x, y) in [(2, 2), (3, 2), (2, 3), (3, 3)] { expected[x, y] = 255 }
        XCTAssertEqual(opened, expected)
        // A lone pixel is removed.
        var speck = GrayImage(width: 4, height: 4)
        speck[2, 2] = 255
        XCTAssertEqual(SeedStages.open2x2(speck), GrayImage(width: 4, height: 4))
    }

    func testAdaptiveThresholdMarksDarkStrokeOnly() {
        var image = GrayImage(width: 40, height: 30, filledWith: 200)
        for y in 10..<20 { image[20, y] = 50 }
        let out = SeedStages.adaptiveThreshold(image)
        XCTAssertEqual(out[20, 15], 255)
        XCTAssertEqual(out[5, 5], 0)
        XCTAssertEqual(out.pixels.filter { $0 == 255 }.count, 10)
    }

    func testResizeRejectsBadSizesAndEmptyImages() {
        let image = GrayImage(width: 4, height: 4, filledWith: 1)
        XCTAssertThrowsError(try SeedStages.resizeBilinear(image, width: 0, height: 224)) { error in
            XCTAssertEqual(error as? PreprocessingError, .invalidTargetSize(width: 0, height: 224))
        }
        XCTAssertThrowsError(try SeedStages.resizeBilinear(GrayImage(width: 0, height: 0), width: 8, height: 8)) { error in
            XCTAssertEqual(error as? PreprocessingError, .emptyImage)
            XCTAssertEqual("\(error)", "the image is empty (0 pixels)")
        }
    }

    func testResizeOfConstantAndTinyImages() throws {
        let constant = GrayImage(width: 37, height: 11, filledWith: 99)
        XCTAssertEqual(try SeedStages.resizeBilinear(constant, width: 13, height: 29), GrayImage(width: 13, height: 29, filledWith: 99))
        let single = GrayImage(width: 1, height: 1, pixels: [42])
        XCTAssertEqual(try SeedStages.resizeBilinear(single, width: 224, height: 224), GrayImage(width: 224, height: 224, filledWith: 42))
        let out = try PreprocessingProfile.seed.run(GrayImage(width: 1, height: 3, pixels: [0, 255, 0]), width: 7, height: 5)
        XCTAssertEqual(out.image.width, 7)
        XCTAssertEqual(out.input.count, 35)
    }

    func testNormalizedFloatsAreValueOver255() {
        let image = GrayImage(width: 3, height: 1, pixels: [0, 128, 255])
        XCTAssertEqual(SeedStages.normalizedFloats(image), [0, Float(128) / 255, 1])
    }

    /// `PreprocessingProfile.seed.run` streams rows through fused kernels; it must give exactly
    /// the bytes of the stage-by-stage composition for every shape (tiny, 1-wide, identity,
    /// exact 2× area, odd upscales and downscales).
    func testStreamingRunEqualsStageComposition() throws {
        var state: UInt64 = 42
        func noise(_ w: Int, _ h: Int) -> GrayImage {
            GrayImage(width: w, height: h, pixels: (0..<(w * h)).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: 120 &+ (state >> 58) &* 9)
            })
        }
        let cases: [(Int, Int, Int, Int)] = [(1, 1, 224, 224), (1, 9, 5, 3), (9, 1, 4, 4), (2, 2, 1, 1),
                                             (30, 20, 30, 20), (448, 448, 224, 224), (64, 48, 32, 24),
                                             (333, 157, 224, 224), (150, 90, 224, 224), (701, 301, 100, 37),
                                             (12, 13, 227, 231)]
        for (w, h, tw, th) in cases {
            let image = noise(w, h)
            let staged = try SeedStages.resizeBilinear(SeedStages.open2x2(SeedStages.adaptiveThreshold(
                SeedStages.gaussianBlur3x3(SeedStages.equalizeHistogram(image)))), width: tw, height: th)
            XCTAssertEqual(try PreprocessingProfile.seed.run(image, width: tw, height: th).image, staged, "\(w)×\(h) → \(tw)×\(th)")
        }
    }
}
