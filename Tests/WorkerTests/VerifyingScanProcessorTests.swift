import Foundation
import Imaging
import JobQueue
import NeuralNet
import Preprocessing
import ScanPipeline
import TestSupport
import Verifier
import Worker
import XCTest

/// The production processor on real scans with the committed tiny model bundle.
final class VerifyingScanProcessorTests: XCTestCase {
    private func processor(maxScanBytes: Int = VerifyingScanProcessor.defaultMaxScanBytes) throws -> VerifyingScanProcessor {
        let bundle = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        return VerifyingScanProcessor(scanVerifier: try ScanVerifier(bundle: bundle), maxScanBytes: maxScanBytes)
    }

    private func sample(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples").appendingPathComponent(name)))
    }

    private func job(_ id: Int64, _ bytes: [UInt8]?) -> ClaimedJob {
        ClaimedJob(id: id, attempt: 1, maxAttempts: 5, image: bytes)
    }

    func testGoodScansGetTheVerifiersVerdictAndBrokenOnesFailPermanently() throws {
        let processor = try processor()
        let good = try sample("scan600_01.jpg")
        let png = try sample("page.png")
        // 60000×60000 JPEG header: refused before any allocation.
        let oversized: [UInt8] = [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xEA, 0x60, 0xEA, 0x60, 0x01, 0x01, 0x11, 0x00,
                                  0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]
        let jobs = [job(1, good), job(2, []), job(3, Array(png.prefix(200))), job(4, Array("not an image".utf8)),
                    job(5, png), job(6, oversized)]
        let outcomes = processor.process(jobs)
        XCTAssertEqual(outcomes.count, 6)

        func failure(_ i: Int) -> ScanFailure? {
            if case .failure(let f) = outcomes[i] { return f }
            return nil
        }
        XCTAssertEqual(failure(1), .permanent("empty input: no bytes to decode"))
        XCTAssertTrue(failure(2)?.isPermanent == true && failure(2)!.reason.hasPrefix("truncated PNG"), "\(outcomes[2])")
        XCTAssertTrue(failure(3)?.isPermanent == true && failure(3)!.reason.hasPrefix("unsupported format"), "\(outcomes[3])")
        XCTAssertTrue(failure(5)?.isPermanent == true && failure(5)!.reason.hasPrefix("image too large"), "\(outcomes[5])")

        // The good scans match the verifier run directly on the same preprocessing.
        let bundle = processor.scanVerifier.verifier.bundle
        let (h, w) = (bundle.parameters.inputShape[0], bundle.parameters.inputShape[1])
        for (i, bytes) in [(0, good), (4, png)] {
            guard case .success(let record) = outcomes[i] else { return XCTFail("scan \(i): \(outcomes[i])") }
            let scan = try PreprocessingProfile.seed.run(try ImageDecoder().decode(bytes), width: w, height: h)
            let direct = try processor.scanVerifier.verifier.verify(Tensor(shape: [1] + bundle.parameters.inputShape, storage: scan.input))[0]
            XCTAssertEqual(record.reconstructionError, direct.reconstructionError, accuracy: 1e-6)
            XCTAssertEqual(record.anomalyScore, direct.anomalyScore, accuracy: 1e-9)
            XCTAssertEqual(record.classifierConfidence, direct.classifierConfidence, accuracy: 1e-6)
            XCTAssertEqual(record.verdict, direct.verdict.rawValue)
            XCTAssertEqual(record.modelVersion, bundle.version)
            XCTAssertEqual(record.preprocessingProfile, "seed")
            XCTAssertEqual(record.reconstructionThreshold, bundle.parameters.reconstructionThreshold)
            // The stored PNG is exactly what the networks saw.
            XCTAssertEqual(try ImageDecoder().decode(record.preprocessedPNG), scan.image)
            XCTAssertGreaterThan(record.timings.decodeMs, 0)
            XCTAssertGreaterThan(record.timings.preprocessMs, 0)
            XCTAssertGreaterThan(record.timings.verifyMs, 0)
        }
    }

    func testScansOverTheByteLimitFailWithoutDecoding() throws {
        let processor = try processor(maxScanBytes: 1000)
        let outcomes = processor.process([job(1, try sample("page.png"))])
        XCTAssertEqual(outcomes.first.flatMap { if case .failure(let f) = $0 { return f } else { return nil } }?.isPermanent, true)
        guard case .failure(let f) = outcomes[0] else { return XCTFail("\(outcomes[0])") }
        XCTAssertTrue(f.reason.hasPrefix("scan too large:") && f.reason.hasSuffix("exceeds the limit of 1000 bytes"), f.reason)
    }

    func testWholeBatchOfBrokenScansNeverReachesTheNetworks() throws {
        let outcomes = try processor().process([job(1, [0x89, 0x50]), job(2, [0xFF, 0xD8, 0xFF])])
        XCTAssertEqual(outcomes.count, 2)
        for o in outcomes {
            guard case .failure(let f) = o else { return XCTFail("\(o)") }
            XCTAssertTrue(f.isPermanent, "\(f)")
        }
    }

    func testTheJobsPageSelectsThePageOfAMultiPageTIFF() throws {
        let processor = try processor()
        let tiff = [UInt8](try Data(contentsOf: FixturePaths.local("decode/tiff/multipage.tif")))
        let shape = processor.scanVerifier.verifier.inputShape
        var jobs = (0..<3).map { page in ClaimedJob(id: Int64(page + 1), attempt: 1, maxAttempts: 5, image: tiff, page: page) }
        jobs.append(ClaimedJob(id: 9, attempt: 1, maxAttempts: 5, image: tiff, page: 7))
        let outcomes = processor.process(jobs)
        for page in 0..<3 {
            guard case .success(let record) = outcomes[page] else { return XCTFail("page \(page): \(outcomes[page])") }
            // What the networks saw is that page's pixels, preprocessed.
            let gray = try ImageDecoder().decode(contentsOf: FixturePaths.local("decode/tiff/multipage.tif.page\(page).gray.png").path)
            let expected = try PreprocessingProfile.seed.run(gray, width: shape[1], height: shape[0]).image
            XCTAssertEqual(try ImageDecoder().decode(record.preprocessedPNG), expected, "page \(page)")
        }
        guard case .failure(let f) = outcomes[3] else { return XCTFail("page 7 of 3: \(outcomes[3])") }
        XCTAssertTrue(f.isPermanent && f.reason.contains("page"), f.reason)
    }
}

/// A model that scores NaN (finite but absurd weights) must fail its jobs, not record verdicts.
final class NonFiniteScoreTests: XCTestCase {
    func testANaNScoreFailsTheJobTransientlyInsteadOfRecordingAVerdict() throws {
        let folder = try DamagedBundles.tinyCopy()
        defer { try? FileManager.default.removeItem(at: folder) }
        try DamagedBundles.poisonClassifier(in: folder)
        let scanVerifier = try ScanVerifier(modelFolder: folder)
        let scan = [UInt8](try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples/page.png")))
        let direct = try scanVerifier.verify([try scanVerifier.prepare(scan)])
        XCTAssertTrue(direct[0].classifierConfidence.isNaN, "the poisoned bundle really scores NaN")

        let outcomes = VerifyingScanProcessor(scanVerifier: scanVerifier)
            .process([ClaimedJob(id: 1, attempt: 1, maxAttempts: 5, image: scan)])
        guard case .failure(let failure) = outcomes[0] else { return XCTFail("a NaN score became a verdict: \(outcomes[0])") }
        XCTAssertFalse(failure.isPermanent, "not the scan's fault: another worker's model may be sound")
        XCTAssertTrue(failure.reason.contains("non-finite") && failure.reason.contains("classifier_confidence"), failure.reason)
    }
}
