import Foundation
import Imaging
import ScanPipeline
import TestSupport
import Verifier
import XCTest

/// A worker's per-scan budget: pixels from the header, decode time during the decode.
final class ScanBudgetTests: XCTestCase {
    private func verifier(_ budget: ScanBudget?) throws -> ScanVerifier {
        try ScanVerifier(bundle: try ModelBundle.load(from: FixturePaths.local("model_tiny")), budget: budget)
    }

    private func blankPNG(width: Int, height: Int) throws -> [UInt8] {
        try PNGEncoder.encode(GrayImage(width: width, height: height, filledWith: 255))
    }

    /// Why 2: a small PNG declaring many pixels. Without a budget (as `verify`, and the worker
    /// before) it is decoded; the worker's budget refuses it from the header, saying why.
    func testAScanOverThePixelBudgetFailsWithAReadableReason() throws {
        let png = try blankPNG(width: 3000, height: 2000)
        XCTAssertLessThan(png.count, 100_000)
        XCTAssertNoThrow(try verifier(nil).prepare(png))
        XCTAssertThrowsError(try verifier(ScanBudget(maxPixels: 5_000_000)).prepare(png)) { error in
            XCTAssertEqual("\(error)", "scan is 3000×2000 = 6.0 MP, over the worker's budget of 5.0 MP (--max-pixels)")
        }
        XCTAssertNoThrow(try verifier(ScanBudget(maxPixels: 6_000_000)).prepare(png))
        XCTAssertLessThan(ScanBudget().maxPixels, 100_000_000 / 2, "the worker's default is well below the decoder's 100 MP")
    }

    /// Issue 19: a PNG, JPEG or TIFF decode is stopped at the budget, during the decode; BMP and
    /// PNM, decoded in Swift in time linear in their bytes, are still measured after the fact.
    func testAScanOverTheDecodeTimeBudgetIsStoppedDuringItsDecode() throws {
        let png = try blankPNG(width: 2000, height: 2000)
        XCTAssertThrowsError(try verifier(ScanBudget(maxDecodeSeconds: 0.000_001)).prepare(png)) { error in
            XCTAssertTrue("\(error)".hasPrefix("PNG decode stopped after "), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix(": over the worker's budget of 1e-06 s (--max-decode-seconds)"), "\(error)")
        }
        XCTAssertNoThrow(try verifier(ScanBudget(maxDecodeSeconds: 60)).prepare(png))
    }

    func testAPNMDecodeOverTheBudgetFailsAfterItsDecode() throws {
        let pgm = HostileScans.pgm(width: 2000, height: 2000, value: 255)
        XCTAssertThrowsError(try verifier(ScanBudget(maxDecodeSeconds: 0.000_001)).prepare(pgm)) { error in
            XCTAssertTrue("\(error)".hasPrefix("decoding the scan took "), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("over the worker's budget of 1e-06 s (--max-decode-seconds)"), "\(error)")
        }
        XCTAssertNoThrow(try verifier(ScanBudget(maxDecodeSeconds: 60)).prepare(pgm))
    }
}
