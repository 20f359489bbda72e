import XCTest
import Imaging
import Preprocessing

/// The `clean` profile's `ink_intensity` option (the writer model's input experiment of issue 22):
/// 0 keeps bitonal ink, 1 gives each ink pixel its darkness on the normalised page, 2 stretches that
/// darkness per scan. Off by default and unrecorded when off, so existing bundles keep their bytes.
final class InkIntensityTests: XCTestCase {
    private func stage(_ stage: PreprocessingStage, of image: GrayImage, inkIntensity: Double) throws -> GrayImage {
        let profile = try PreprocessingProfile.clean.with(parameters: ["ink_intensity": inkIntensity])
        return try profile.image(at: stage, of: image, width: 128, height: 64)
    }

    /// A page with two strokes of different darkness.
    private func twoInks() -> GrayImage {
        let (dark, _) = CleanProfileTests.signature(on: CleanProfileTests.paper(width: 400, height: 200), ink: 30)
        var image = dark
        for x in 60..<340 { for y in 150..<154 { image[x, y] = 120 } }
        return image
    }

    func testDarknessFollowsTheNormalisedPageWhereTheMaskHasInk() throws {
        let image = twoInks()
        let bitonal = try stage(.despeckled, of: image, inkIntensity: 0)
        let darkness = try stage(.despeckled, of: image, inkIntensity: 1)
        let normalized = try stage(.normalized, of: image, inkIntensity: 1)
        XCTAssertEqual(Set(bitonal.pixels), [0, 255])
        for i in bitonal.pixels.indices {
            XCTAssertEqual(darkness.pixels[i], bitonal.pixels[i] == 0 ? 0 : max(1, 255 - normalized.pixels[i]), "pixel \(i)")
        }
        XCTAssertGreaterThan(Set(darkness.pixels).count, 10, "ink keeps its shades")
        XCTAssertGreaterThan(darkness[200, 151], 0)
        XCTAssertLessThan(darkness[200, 151], darkness.pixels.max()!, "the lighter stroke stays lighter")
    }

    func testStretchingPutsTheNinetyFifthPercentileAtFullInk() throws {
        let stretched = try stage(.despeckled, of: twoInks(), inkIntensity: 2).pixels.filter { $0 != 0 }.sorted()
        XCTAssertFalse(stretched.isEmpty)
        XCTAssertEqual(stretched[stretched.count * 95 / 100], 255)
        XCTAssertLessThan(stretched[stretched.count / 20], 255, "lighter ink stays below full")
    }

    func testOffByDefaultUnrecordedWhenOffAndRangeChecked() throws {
        XCTAssertNil(PreprocessingProfile.clean.parameters["ink_intensity"], "bundles without it keep their bytes")
        XCTAssertEqual(try PreprocessingProfile.clean.with(parameters: ["ink_intensity": 1]).parameters["ink_intensity"], 1)
        for bad in [0.5, 3] {
            XCTAssertThrowsError(try PreprocessingProfile.clean.with(parameters: ["ink_intensity": bad]), "\(bad)")
        }
        let image = twoInks()
        XCTAssertEqual(try PreprocessingProfile.clean.run(image, width: 128, height: 64).image,
                       try PreprocessingProfile.clean.with(parameters: ["ink_intensity": 0]).run(image, width: 128, height: 64).image)
    }
}
