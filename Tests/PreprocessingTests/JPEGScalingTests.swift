import Foundation
import Imaging
import Preprocessing
import TestSupport
import XCTest

/// JPEGs for `clean` version 2 decode with libjpeg-turbo's DCT scaling (1/2, 1/4, 1/8) when the
/// working size allows: the result must be what a full decode area-reduced to the same size gives,
/// within `tolerance`, and the full-size path must stay exactly today's decode.
final class JPEGScalingTests: XCTestCase {
    /// Mean |Δ| in gray levels (0–255) between the scaled decode and full decode + area reduce
    /// (measured: 0.007–0.23 over these files at 1/2, 1/4 and 1/8).
    static let meanTolerance = 0.5
    /// Share of pixels allowed to differ by more than 16 gray levels (measured: none).
    static let outlierShare = 0.0

    func jpegs() -> [URL] {
        let samples = ["scan600_01.jpg", "scan1500_00.jpg", "invalid224_02.jpg"]
            .map { FixturePaths.packageRoot.appendingPathComponent("samples/\($0)") }
        let shared = ["edge_701x301_gray.jpg", "s3_2_cmyk.jpg", "edge_333x157_oddsize.jpg", "s3_2_progressive.jpg", "s3_4_exif6.jpg", "s3_6_422.jpg"]
            .compactMap { FixturePaths.shared("preprocess/inputs/\($0)") }
        return samples + shared
    }

    func decode(_ url: URL, floor: Int) throws -> GrayImage {
        var options = DecodeOptions()
        options.jpegScalingFloor = floor
        return try ImageDecoder(options: options).decode(contentsOf: url.path)
    }

    func testScaledDecodesMatchAFullDecodeAreaReduced() throws {
        for url in jpegs() {
            let full = try ImageDecoder().decode(contentsOf: url.path)
            let long = max(full.width, full.height)
            for denominator in [2, 4, 8] {
                let scaled = try decode(url, floor: (long + denominator - 1) / denominator)
                let name = "\(url.lastPathComponent) at 1/\(denominator)"
                XCTAssertEqual(scaled.width, (full.width + denominator - 1) / denominator, name)
                XCTAssertEqual(scaled.height, (full.height + denominator - 1) / denominator, name)
                // Compared where both cover whole d×d blocks: the scaled decode's last row and column
                // cover a partial block when the size is not a multiple of d.
                let (w, h) = (full.width / denominator, full.height / denominator)
                let reduced = try CleanStages.resizeArea(Self.crop(full, width: w * denominator, height: h * denominator),
                                                         width: w, height: h)
                let (mean, outliers) = Self.difference(Self.crop(scaled, width: w, height: h), reduced)
                print(String(format: "%@: mean |Δ| %.3f, %.4f of the pixels differ by > 16", name, mean, outliers))
                XCTAssertLessThanOrEqual(mean, Self.meanTolerance, "\(name): mean |Δ| \(mean)")
                XCTAssertLessThanOrEqual(outliers, Self.outlierShare, "\(name): \(outliers) of the pixels differ by > 16")
            }
        }
    }

    func testAFloorAboveHalfTheLongSideDecodesExactlyAsBefore() throws {
        for url in jpegs() {
            let full = try ImageDecoder().decode(contentsOf: url.path)
            let long = max(full.width, full.height)
            for floor in [0, long, (long + 1) / 2 + 1, 100_000] {
                XCTAssertEqual(try decode(url, floor: floor), full, "\(url.lastPathComponent), floor \(floor)")
            }
        }
    }

    /// The profiles a committed model may use never ask for a scaled decode; version 2 does.
    func testOnlyTheWorkingResolutionProfileTakesTheScaledPath() throws {
        let url = FixturePaths.packageRoot.appendingPathComponent("samples/scan1500_00.jpg")
        let full = try ImageDecoder().decode(contentsOf: url.path)
        for profile in [PreprocessingProfile.seed, .clean] {
            for side in [32, 64, 224] {
                let options = profile.decodeOptions(DecodeOptions(), width: side, height: side)
                XCTAssertEqual(try ImageDecoder(options: options).decode(contentsOf: url.path), full, "\(profile.name) \(profile.version)")
            }
        }
        let options = PreprocessingProfile.cleanAtWorkingResolution.decodeOptions(DecodeOptions(), width: 64, height: 64)
        let scaled = try ImageDecoder(options: options).decode(contentsOf: url.path)
        XCTAssertLessThan(scaled.width, full.width)
        XCTAssertGreaterThanOrEqual(max(scaled.width, scaled.height), 384)
    }

    /// PNGs (and every other format) ignore the floor.
    func testOtherFormatsIgnoreTheFloor() throws {
        let url = FixturePaths.packageRoot.appendingPathComponent("samples/page.png")
        XCTAssertEqual(try decode(url, floor: 64), try ImageDecoder().decode(contentsOf: url.path))
    }

    /// The top-left `width`×`height` of `image`.
    static func crop(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height)
        for y in 0..<height { pixels += image.pixels[(y * image.width)..<(y * image.width + width)] }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// (mean |Δ|, share of pixels with |Δ| > 16).
    static func difference(_ a: GrayImage, _ b: GrayImage) -> (Double, Double) {
        var total = 0, outliers = 0
        for (x, y) in zip(a.pixels, b.pixels) {
            let d = abs(Int(x) - Int(y))
            total += d
            if d > 16 { outliers += 1 }
        }
        let n = Double(max(a.pixels.count, 1))
        return (Double(total) / n, Double(outliers) / n)
    }
}
