import Foundation
import Imaging
import Preprocessing
import TestSupport
import XCTest

/// What the default model sees must change only on purpose: the `clean` profile's output on five
/// committed sample scans (signatures, a page, a photo) at 64×64 (the default model's input) and
/// 224×224, byte for byte. After a deliberate change to the profile, regenerate the fixtures with
/// `sigverify preprocess --profile clean --size N --out DIR samples/…` and copy them to
/// `Tests/Fixtures/clean/<stem>.<N>.png` — and bump the profile's version, since bundles record it.
final class CleanRegressionTests: XCTestCase {
    func testCleanProfileOutputIsByteExactOnTheSampleScans() throws {
        let decoder = ImageDecoder()
        for file in ["scan600_01.jpg", "scan1500_00.jpg", "aug1200_00.png", "page.png", "camera.png"] {
            let scan = try decoder.decode(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples/\(file)").path)
            for size in [64, 224] {
                let stem = (file as NSString).deletingPathExtension
                let expected = try decoder.decode(contentsOf: FixturePaths.local("clean/\(stem).\(size).png").path)
                let output = try PreprocessingProfile.clean.run(scan, width: size, height: size).image
                XCTAssertEqual(output.width, size)
                XCTAssertEqual(output.pixels, expected.pixels, "\(file) at \(size)×\(size): the clean profile's output changed")
            }
        }
    }
}
