import Foundation
import Imaging
import JobQueue
import ScanPipeline
import TestSupport
import Verifier
import Worker
import XCTest

/// A deterministic `SubjectMatcher` for tests, living in the test target only: an embedding is the
/// scan's mean gray level and its size, the score `1 / (1 + distance to the closest reference)`.
/// It is not a writer model; it exercises the worker's matching path (which references, what is
/// cached, what is written). The real `WriterModel`'s end-to-end path is tested after the merge of
/// issue 22's model part.
final class TestMatcher: SubjectMatcher, @unchecked Sendable {
    let version: String
    let threshold: Double
    var failure: Error?
    var fixedScore: Double?
    private let lock = NSLock()
    private var embedded = 0

    init(version: String = "test-matcher-1", threshold: Double = 0.5) {
        self.version = version
        self.threshold = threshold
    }

    /// Images embedded so far (references and questioned scans).
    var embeddedCount: Int { lock.lock(); defer { lock.unlock() }; return embedded }

    func embeddings(of images: [GrayImage]) throws -> [[Float]] {
        if let failure { throw failure }
        lock.lock(); embedded += images.count; lock.unlock()
        return images.map { image in
            let mean = image.pixels.reduce(0) { $0 + Float($1) } / Float(max(1, image.pixels.count))
            return [mean / 255, Float(image.width) / 1000, Float(image.height) / 1000]
        }
    }

    func matchScore(questioned: [Float], references: [[Float]]) -> Double {
        if let fixedScore { return fixedScore }
        var closest = Double.infinity
        for ref in references {
            var sum = 0.0
            for (a, b) in zip(ref, questioned) { sum += Double(a - b) * Double(a - b) }
            closest = min(closest, sum.squareRoot())
        }
        return 1 / (1 + closest)
    }
}

/// `VerifyingScanProcessor`'s writer match (`SubjectMatching`) with the committed tiny model and
/// the test matcher: exactly the jobs with a subject get a match, cached embeddings are used as
/// they are, uncached ones computed once per batch, and a broken matcher fails its jobs as transient.
final class SubjectMatchingTests: XCTestCase {
    private func processor(_ matcher: TestMatcher?) throws -> VerifyingScanProcessor {
        let bundle = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        return VerifyingScanProcessor(scanVerifier: try ScanVerifier(bundle: bundle), matcher: matcher)
    }

    private func sample(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: FixturePaths.packageRoot.appendingPathComponent("samples").appendingPathComponent(name)))
    }

    private func jobs() throws -> [ClaimedJob] {
        let (a, b) = (try sample("scan600_01.jpg"), try sample("scan600_04.png"))
        let refs = [EnrolledReference(id: 10, image: a), EnrolledReference(id: 11, embedding: [0.9, 0.1, 0.1])]
        return [ClaimedJob(id: 1, attempt: 1, maxAttempts: 5, image: a, subject: "alice", references: refs),
                ClaimedJob(id: 2, attempt: 1, maxAttempts: 5, image: b),
                ClaimedJob(id: 3, attempt: 1, maxAttempts: 5, image: b, subject: "bob"),
                ClaimedJob(id: 4, attempt: 1, maxAttempts: 5, image: b, subject: "alice", references: refs),
                ClaimedJob(id: 5, attempt: 1, maxAttempts: 5, image: Array("not an image".utf8), subject: "alice", references: refs)]
    }

    private func match(_ outcome: ScanOutcome) -> MatchRecord?? {
        if case .success(let record) = outcome { return .some(record.match) }
        return nil
    }

    func testOnlyJobsWithASubjectAreMatchedAndUncachedReferencesAreEmbeddedOnce() throws {
        let matcher = TestMatcher()
        let outcomes = try processor(matcher).process(try jobs())
        let alice = try XCTUnwrap(match(outcomes[0]) ?? nil)
        XCTAssertEqual(alice.referenceIds, [10, 11])
        XCTAssertEqual(alice.modelVersion, "test-matcher-1")
        XCTAssertEqual(alice.threshold, 0.5)
        XCTAssertEqual(alice.score ?? -1, 1, accuracy: 1e-9, "the questioned scan is reference 10 itself")
        XCTAssertEqual(alice.passed, true)
        XCTAssertEqual(alice.newEmbeddings.map(\.referenceId), [10], "the cached one is not recomputed")
        XCTAssertEqual(matcher.embeddedCount, 1 + 2, "reference 10 once for the batch, then the two questioned scans")
        XCTAssertEqual(match(outcomes[1]), .some(nil), "no subject: no match columns")
        XCTAssertEqual(match(outcomes[2]), .some(.unmatched(MatchRecord.noReferences, modelVersion: "test-matcher-1", threshold: 0.5)))
        let other = try XCTUnwrap(match(outcomes[3]) ?? nil)
        XCTAssertLessThan(other.score ?? 2, 1)
        XCTAssertTrue(match(outcomes[4]) == nil, "an unreadable scan still fails on its own")
    }

    func testWithoutAWriterModelTheMatchIsNullWithTheReason() throws {
        let outcomes = try processor(nil).process(try jobs())
        XCTAssertEqual(match(outcomes[0]), .some(.unmatched(MatchRecord.noWriterModel)))
        XCTAssertEqual(match(outcomes[1]), .some(nil))
        XCTAssertNil(try processor(nil).writerModelVersion, "no references are claimed")
    }

    func testABrokenWriterModelFailsOnlyTheMatchedJobsAsTransient() throws {
        struct Broken: Error {}
        for configure in [{ (m: TestMatcher) in m.failure = Broken() }, { (m: TestMatcher) in m.fixedScore = .nan },
                          { (m: TestMatcher) in m.fixedScore = 1.5 }] {
            let matcher = TestMatcher()
            configure(matcher)
            let outcomes = try processor(matcher).process(try jobs())
            for i in [0, 3] {
                guard case .failure(let failure) = outcomes[i] else { return XCTFail("job \(i + 1) got \(outcomes[i])") }
                XCTAssertFalse(failure.isPermanent)
                XCTAssertTrue(failure.reason.hasPrefix("writer match failed"), failure.reason)
            }
            XCTAssertEqual(match(outcomes[1]), .some(nil))
            XCTAssertTrue(match(outcomes[2]) != nil, "a subject without references needs no model call")
        }
    }
}
