import Dispatch
import Imaging
import Preprocessing
import TestSupport
import XCTest

/// Issue 19, finding 1: thin and extreme-aspect scans. A 2 KB PNG of 1×1,000,000 pixels is under
/// every pixel budget, yet `clean`'s crop margin (a fraction of the *longer* side, on both axes)
/// made a 110 GB canvas and aborted the worker; a 1×100,000 PGM took 430 s and 3.3 GB. Now such a
/// scan is refused before any stage, in milliseconds, and every canvas a stage derives from a scan
/// is bounded by the pixel budget that admitted it.
final class HostileScanTests: XCTestCase {
    private let profiles: [PreprocessingProfile] = [.seed, .clean]

    /// Wall seconds since `t0` (a `DispatchTime` uptime in nanoseconds).
    private func seconds(since t0: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    /// Both profiles (run and stages) refuse `gray` with `expected`, quickly.
    private func assertRefused(_ gray: GrayImage, _ expected: PreprocessingError, maxPixels: Int = PreprocessingLimits.defaultMaxPixels,
                               file: StaticString = #filePath, line: UInt = #line) {
        for profile in profiles {
            let t0 = DispatchTime.now().uptimeNanoseconds
            XCTAssertThrowsError(try profile.run(gray, maxPixels: maxPixels), profile.name, file: file, line: line) { error in
                XCTAssertEqual(error as? PreprocessingError, expected, profile.name, file: file, line: line)
            }
            XCTAssertThrowsError(try profile.stages(gray, maxPixels: maxPixels), profile.name, file: file, line: line)
            XCTAssertLessThan(seconds(since: t0), 0.5, "\(profile.name): a per-job answer in milliseconds", file: file, line: line)
        }
    }

    func testAOneByAMillionPNGIsRefusedInMillisecondsNotAborted() throws {
        let png = try PNGEncoder.encode(GrayImage(width: 1, height: 1_000_000, filledWith: 0))
        XCTAssertLessThan(png.count, 20_000)
        let gray = try ImageDecoder(options: DecodeOptions(maxPixels: 1_000_000)).decode(png)
        assertRefused(gray, .extremeAspectRatio(width: 1, height: 1_000_000, limit: 100))
        XCTAssertEqual("\(PreprocessingError.extremeAspectRatio(width: 1, height: 1_000_000, limit: 100))",
                       "scan is 1×1000000: aspect ratio 1000000:1 is over 100:1 (no signature crop is that elongated)")
    }

    func testAOneByAHundredThousandPGMIsRefusedInMilliseconds() throws {
        let gray = try ImageDecoder().decode(HostileScans.pgm(width: 1, height: 100_000, value: 0))
        assertRefused(gray, .extremeAspectRatio(width: 1, height: 100_000, limit: 100))
    }

    func testAHundredThousandByOnePNGIsRefusedInMilliseconds() throws {
        let gray = try ImageDecoder().decode(try PNGEncoder.encode(GrayImage(width: 100_000, height: 1, filledWith: 0)))
        assertRefused(gray, .extremeAspectRatio(width: 100_000, height: 1, limit: 100))
    }

    func testWideSignatureCropsUpToTheLimitStillGetAResult() throws {
        // A long name on a thin strip: 50:1 and 100:1 pass both profiles, and so does any shape up
        // to 4096 pixels long (cheap whatever it is); 101:1 beyond that does not.
        for (width, height) in [(3000, 60), (6000, 60), (60, 6000), (4096, 1), (1, 4096)] {
            var strip = GrayImage(width: width, height: height, filledWith: 230)
            for x in 0..<width where (x / 7) % 3 != 0 { strip[x, height / 2] = 20 }
            for profile in profiles {
                let out = try profile.run(strip)
                XCTAssertEqual(out.image.width, 224, "\(profile.name) \(width)×\(height)")
            }
        }
        assertRefused(GrayImage(width: 6060, height: 60, filledWith: 230), .extremeAspectRatio(width: 6060, height: 60, limit: 100))
        assertRefused(GrayImage(width: 1, height: 4097, filledWith: 230), .extremeAspectRatio(width: 1, height: 4097, limit: 100))
    }

    func testTheCropCanvasIsBoundedByTheBudgetThatAdmittedTheScan() throws {
        // 2000×20 (100:1) of ink: the crop adds 5 % of 2000 on every side, 2200×220 = 0.48 MP,
        // twelve times the scan. Under a budget of the scan's own 40,000 pixels that canvas is
        // refused before it is allocated; the seed profile derives nothing larger and answers.
        let ink = GrayImage(width: 2000, height: 20, filledWith: 0)
        XCTAssertThrowsError(try PreprocessingProfile.clean.run(ink, maxPixels: 40_000)) { error in
            XCTAssertEqual(error as? PreprocessingError, .overPixelBudget(stage: .cropped, width: 2200, height: 220, budget: 40_000))
            XCTAssertEqual("\(error)", "the cropped canvas would be 2200×220 = 484000 pixels, over the pixel budget of 40000 pixels that admitted the scan")
        }
        XCTAssertNoThrow(try PreprocessingProfile.seed.run(ink, maxPixels: 40_000))
        XCTAssertNoThrow(try PreprocessingProfile.clean.run(ink, maxPixels: 484_000))
        // The scan itself over the budget is refused too (the decoder normally does it first).
        XCTAssertThrowsError(try PreprocessingProfile.seed.run(ink, maxPixels: 39_999)) { error in
            XCTAssertEqual(error as? PreprocessingError, .overPixelBudget(stage: .gray, width: 2000, height: 20, budget: 39_999))
        }
    }

    func testCropToInkSizesItsCanvasBeforeAllocatingIt() throws {
        // The finding itself: a one-pixel-wide line of ink a million rows long would need a
        // 100,001×1,100,000 canvas (110 GB).
        let line = GrayImage(width: 1, height: 1_000_000, filledWith: 255)
        let t0 = DispatchTime.now().uptimeNanoseconds
        XCTAssertThrowsError(try CleanStages.cropToInk(line, marginFraction: 0.05, maxPixels: 25_000_000)) { error in
            XCTAssertEqual(error as? PreprocessingError,
                           .overPixelBudget(stage: .cropped, width: 100_001, height: 1_100_000, budget: 25_000_000))
        }
        XCTAssertLessThan(seconds(since: t0), 0.5)
    }
}
