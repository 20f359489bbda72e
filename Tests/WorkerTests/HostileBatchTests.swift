import Dispatch
import Foundation
import Imaging
import JobQueue
import ScanPipeline
import TestSupport
import Verifier
import Worker
import XCTest

/// Issue 19: hostile scans fail their own jobs — permanently, readably, within the budget — and the
/// good scans of the same batch still get their verdicts.
final class HostileBatchTests: XCTestCase {
    private func sample(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples").appendingPathComponent(name)))
    }

    /// A flat progressive JPEG of `side`² whose last refinement scan is repeated `extraScans` times.
    static func jpegBomb(side: Int, extraScans: Int) throws -> [UInt8] {
        let jpeg = try JPEGEncoder.encode(GrayImage(width: side, height: side, filledWith: 200), progressive: true)
        return try XCTUnwrap(HostileScans.repeatingLastScan(of: jpeg, extraScans: extraScans))
    }

    func testABatchOfGoodScansAndBombsFailsOnlyTheBombsWithinTheBudget() throws {
        let bundle = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        let budget = ScanBudget(maxPixels: 25_000_000, maxDecodeSeconds: 1)
        let processor = VerifyingScanProcessor(scanVerifier: try ScanVerifier(bundle: bundle, budget: budget))
        let good = try ["scan600_01.jpg", "page.png", "camera.png", "invalid224_02.jpg"].map(sample)
        let slowBomb = try Self.jpegBomb(side: 3000, extraScans: 900)      // seconds of CPU per scan pass
        let scanBomb = try Self.jpegBomb(side: 256, extraScans: 5000)      // over the 1000-scan limit
        let thin = try PNGEncoder.encode(GrayImage(width: 1, height: 1_000_000, filledWith: 0))
        let scans = [good[0], slowBomb, good[1], scanBomb, good[2], thin, good[3], slowBomb]
        let jobs = scans.enumerated().map { ClaimedJob(id: Int64($0.offset + 1), attempt: 1, maxAttempts: 5, image: $0.element) }

        let t0 = DispatchTime.now().uptimeNanoseconds
        let outcomes = processor.process(jobs)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        XCTAssertLessThan(elapsed, 10, "two 1 s decode budgets plus the good scans, not minutes")

        for i in [0, 2, 4, 6] {
            guard case .success(let record) = outcomes[i] else { return XCTFail("good scan \(i): \(outcomes[i])") }
            XCTAssertEqual(record.modelVersion, bundle.version)
        }
        func failure(_ i: Int) -> ScanFailure? {
            if case .failure(let f) = outcomes[i] { return f }
            return nil
        }
        for i in [1, 7] {
            let reason = failure(i)?.reason ?? "\(outcomes[i])"
            XCTAssertEqual(failure(i)?.isPermanent, true, reason)
            XCTAssertTrue(reason.hasPrefix("JPEG decode stopped after "), reason)
            XCTAssertTrue(reason.hasSuffix(": over the worker's budget of 1 s (--max-decode-seconds)"), reason)
        }
        XCTAssertEqual(failure(3), .permanent("progressive JPEG with over 1000 scans (a real one has about 10): refused as a decompression bomb"))
        XCTAssertEqual(failure(5)?.isPermanent, true)
        XCTAssertTrue(failure(5)?.reason.contains("scan is 1×1000000: aspect ratio 1000000:1 is over 100:1") == true, "\(outcomes[5])")
    }

    /// Each scan's own work counts as progress for the watchdog (`scanDone`), whatever its outcome:
    /// a batch of slow scans, each within its decode budget, is not taken for a stuck loop.
    func testEveryPreparedScanIsReportedAsProgress() throws {
        let bundle = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        let processor = VerifyingScanProcessor(scanVerifier: try ScanVerifier(bundle: bundle))
        let scans = try [sample("page.png"), Array("not an image".utf8), sample("scan600_01.jpg"), []]
        let jobs = scans.enumerated().map { ClaimedJob(id: Int64($0.offset + 1), attempt: 1, maxAttempts: 5, image: $0.element) }
        let done = Counter()
        let outcomes = processor.process(jobs, scanDone: { done.increment() })
        XCTAssertEqual(outcomes.count, 4)
        XCTAssertEqual(done.value, 4)
    }
}

/// A thread-safe tally for callbacks made from `Parallel.map`'s threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
