import Dispatch
import Foundation
import Imaging
import JobQueue
import NeuralNet
import ScanPipeline
import TestSupport
import Verifier
import Worker
import XCTest

/// A batch's scans are decoded, preprocessed and PNG-encoded across the cores: each job must still
/// get its own outcome, in its own place, exactly as if it had been processed alone.
final class ParallelBatchTests: XCTestCase {
    private func processor() throws -> VerifyingScanProcessor {
        VerifyingScanProcessor(scanVerifier: try ScanVerifier(bundle: try ModelBundle.load(from: FixturePaths.local("model_tiny"))))
    }

    /// 40 jobs (more than the cores, and more than one verifier pass): real scans of several formats
    /// and sizes interleaved with broken ones at irregular places.
    private func mixedJobs() throws -> [ClaimedJob] {
        let samples = try ["scan600_01.jpg", "page.png", "invalid224_01.png", "horse.png", "scan1500_00.jpg", "invalid224_02.jpg"].map {
            [UInt8](try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples").appendingPathComponent($0)))
        }
        let broken: [[UInt8]] = [[], Array("not an image".utf8), Array(samples[1].prefix(300)), [0xFF, 0xD8, 0xFF]]
        return (0..<40).map { i in
            let bytes = i % 7 == 3 || i % 11 == 5 ? broken[i % broken.count] : samples[i % samples.count]
            return ClaimedJob(id: Int64(i + 1), attempt: 1, maxAttempts: 5, image: bytes)
        }
    }

    func testEveryJobOfAParallelBatchGetsTheOutcomeItGetsAlone() throws {
        let processor = try processor()
        let jobs = try mixedJobs()
        let batch = processor.process(jobs)
        XCTAssertEqual(batch.count, jobs.count)
        var failures = 0
        for (i, job) in jobs.enumerated() {
            let alone = processor.process([job])[0]
            switch (batch[i], alone) {
            case (.failure(let a), .failure(let b)):
                XCTAssertEqual(a, b, "job \(i)")
                failures += 1
            case (.success(let a), .success(let b)):
                assertSameVerdict(a, b, "job \(i)")
            default:
                XCTFail("job \(i): in the batch \(batch[i]), alone \(alone)")
            }
        }
        XCTAssertEqual(failures, 9, "the broken scans, and only they, failed")
    }

    func testOverlappingBatchesFromTwoLoopsGetTheSameOutcomes() throws {
        let processor = try processor()
        let jobs = try mixedJobs()
        let reference = processor.process(jobs)
        let results = ResultBox(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { k in results.set(k, processor.process(jobs)) }
        for k in 0..<4 {
            let outcomes = results.get(k)
            XCTAssertEqual(outcomes.count, reference.count)
            for (i, (a, b)) in zip(outcomes, reference).enumerated() {
                switch (a, b) {
                case (.failure(let x), .failure(let y)): XCTAssertEqual(x, y, "loop \(k) job \(i)")
                case (.success(let x), .success(let y)): assertSameVerdict(x, y, "loop \(k) job \(i)")
                default: XCTFail("loop \(k) job \(i): \(a) vs \(b)")
                }
            }
        }
    }

    /// The same verdict, scores equal up to the summation order of a different batch size, the
    /// same network input and real timings.
    private func assertSameVerdict(_ a: VerdictRecord, _ b: VerdictRecord, _ label: String) {
        XCTAssertEqual(a.verdict, b.verdict, label)
        XCTAssertEqual(a.reconstructionError, b.reconstructionError, accuracy: 1e-5, label)
        XCTAssertEqual(a.anomalyScore, b.anomalyScore, accuracy: 1e-5, label)
        XCTAssertEqual(a.classifierConfidence, b.classifierConfidence, accuracy: 1e-5, label)
        XCTAssertEqual(a.preprocessedPNG, b.preprocessedPNG, label)
        XCTAssertEqual(a.modelVersion, b.modelVersion, label)
        XCTAssertGreaterThan(a.timings.decodeMs, 0, label)
        XCTAssertGreaterThan(a.timings.preprocessMs, 0, label)
        XCTAssertGreaterThan(a.timings.verifyMs, 0, label)
    }
}

/// Outcome lists written by concurrent loops, one slot each.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[ScanOutcome]]
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ k: Int, _ value: [ScanOutcome]) { lock.lock(); slots[k] = value; lock.unlock() }
    func get(_ k: Int) -> [ScanOutcome] { lock.lock(); defer { lock.unlock() }; return slots[k] }
}
