import Training
import XCTest

/// The evaluation protocol and its error rates on hand-made cases.
final class WriterProtocolTests: XCTestCase {
    private func trial(_ kind: TrialKind, _ score: Double, dataset: String = "d") -> WriterTrial {
        WriterTrial(dataset: dataset, writer: "w", kind: kind, score: score)
    }

    /// Genuine 0.9 0.8 0.7 0.6 against skilled 0.65 0.5 0.4 0.3: one of each side of 0.65 is wrong, so
    /// the EER is 1/4; at threshold 0.7 one genuine (0.6) is rejected and no forgery accepted.
    func testEqualErrorRateAndRatesAtTheThreshold() throws {
        let trials = [0.9, 0.8, 0.7, 0.6].map { trial(.genuine, $0) } + [0.65, 0.5, 0.4, 0.3].map { trial(.skilled, $0) }
            + [0.1, 0.2, 0.85].map { trial(.random, $0) }
        let r = WriterErrorRates(trials, threshold: 0.7)
        XCTAssertEqual(try XCTUnwrap(r.skilledEER), 0.25, accuracy: 1e-12)
        XCTAssertEqual(r.falseRejectRate, 0.25)
        XCTAssertEqual(r.skilledFalseAcceptRate, 0)
        XCTAssertEqual(r.randomFalseAcceptRate, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual([r.genuine, r.skilled, r.random], [4, 4, 3])
        // Random 0.85 sits between genuine 0.9 and 0.8: one random in three is accepted wherever fewer than
        // half the genuine trials are rejected, so the rates cross at 1/3.
        XCTAssertEqual(try XCTUnwrap(r.randomEER), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(WriterErrorRates.threshold(trials, targetFRR: 0.25), 0.7)
        XCTAssertEqual(WriterErrorRates.threshold(trials, targetFRR: 0), 0.6, "reject no genuine trial")
        let perfect = WriterErrorRates([trial(.genuine, 0.9), trial(.skilled, 0.1)], threshold: 0.5)
        XCTAssertEqual(perfect.skilledEER, 0)
        XCTAssertNil(perfect.randomEER, "no random trials")
    }

    func testPerDatasetKeepsDatasetsApartAndAddsAll() {
        let trials = [trial(.genuine, 0.9, dataset: "a"), trial(.skilled, 0.2, dataset: "a"),
                      trial(.genuine, 0.3, dataset: "b"), trial(.skilled, 0.6, dataset: "b")]
        let d = WriterErrorRates.perDataset(trials, threshold: 0.5)
        XCTAssertEqual(Set(d.keys), ["a", "b", "all"])
        XCTAssertEqual(d["a"]?.skilledEER, 0)
        XCTAssertEqual(d["b"]?.skilledEER, 1)
        XCTAssertEqual(d["all"]?.genuine, 2)
    }

    /// Two writers with three genuine signatures and one forgery each, one reference: per writer two
    /// genuine trials, one skilled, one random (the other writer), each scored against the reference.
    func testTrialsFollowTheProtocol() {
        var scans: [WriterScan] = []
        for w in ["x", "y"] {
            for g in 1...3 { scans.append(WriterScan(path: "\(w)/g\(g).png", dataset: "d", writer: w, genuine: true)) }
            scans.append(WriterScan(path: "\(w)/f1.png", dataset: "d", writer: w, genuine: false))
        }
        scans.append(WriterScan(path: "z/g1.png", dataset: "other", writer: "z", genuine: true))
        let embeddings = scans.indices.map { [Float($0)] }
        var seen: [(Float, Int)] = []
        let trials = WriterProtocol(references: 1).trials(scans, embeddings: embeddings) { q, refs in
            seen.append((q[0], refs.count))
            return Double(q[0])
        }
        XCTAssertEqual(trials.filter { $0.writer == "x" }.map(\.kind).sorted { $0.rawValue < $1.rawValue },
                       [.genuine, .genuine, .random, .skilled])
        XCTAssertEqual(trials.count, 8, "writer z has no genuine left to question, and no random from another dataset")
        XCTAssertTrue(seen.allSatisfy { $0.1 == 1 })
        let xGenuine = trials.filter { $0.writer == "x" && $0.kind == .genuine }.map { Int($0.score) }
        XCTAssertTrue(xGenuine.allSatisfy { (0...2).contains($0) }, "x's own genuine scans")
        XCTAssertEqual(trials.first { $0.writer == "x" && $0.kind == .skilled }?.score, 3)
        XCTAssertEqual(trials.first { $0.writer == "x" && $0.kind == .random }.map { (4...6).contains(Int($0.score)) }, true)
        // The reference sets are the ones the trials were scored against, one per writer with trials.
        var used: [[[Float]]] = []
        _ = WriterProtocol(references: 1).trials(scans, embeddings: embeddings) { _, refs in
            if used.last != refs { used.append(refs) }
            return 0
        }
        XCTAssertEqual(WriterProtocol(references: 1).referenceSets(scans, embeddings: embeddings), used)
        XCTAssertEqual(used.count, 2)
        XCTAssertFalse(used.joined().contains([3]), "a forgery is never a reference")
    }
}
