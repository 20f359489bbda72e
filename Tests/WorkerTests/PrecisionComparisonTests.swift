import Benchmarks
import Foundation
import NeuralNet
import ScanPipeline
import TestSupport
import Verifier
import XCTest

/// `benchmark precision`'s comparison must really run the networks in emulated bfloat16 (the scores
/// move), close to float32, and leave the engine in float32 afterwards.
final class PrecisionComparisonTests: XCTestCase {
    func testEmulatedBFloat16MovesTheScoresSlightlyAndSwitchesItselfOff() throws {
        let scanVerifier = try ScanVerifier(bundle: try ModelBundle.load(from: FixturePaths.local("model_tiny")))
        let scans = try ["scan600_01.jpg", "page.png", "horse.png", "invalid224_01.png"].map {
            try scanVerifier.prepare([UInt8](try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples/\($0)"))))
        }
        let before = try scanVerifier.verify(scans)
        let c = try PrecisionComparison.measure(scanVerifier, scans: scans, batchSize: 3)
        XCTAssertFalse(BF16Emulation.isOn)
        XCTAssertEqual(try scanVerifier.verify(scans), before, "float32 again afterwards")
        XCTAssertEqual(c.scans, 4)
        XCTAssertEqual(c.identicalVerdicts + c.flips.count, 4)
        XCTAssertGreaterThan(c.differences.map(\.maxAbs).max() ?? 0, 0, "the rounding reached the networks")
        for d in c.differences {
            XCTAssertLessThan(d.maxAbs, 0.05, d.name)
            XCTAssertLessThanOrEqual(d.meanAbs, d.maxAbs, d.name)
        }
    }
}
