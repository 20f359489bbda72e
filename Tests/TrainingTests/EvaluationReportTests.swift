import Foundation
import Imaging
import Training
import XCTest

final class EvaluationReportTests: XCTestCase {
    /// Six images, hand-checked: thresholds MSE ≤ 0.02, forest ≥ −0.5, classifier ≥ 0.5.
    private let samples = [
        ScoredSample(path: "a.png", label: .valid, source: "cedar", reconstructionError: 0.010, anomalyScore: -0.45, classifierConfidence: 0.9),
        ScoredSample(path: "b.png", label: .valid, source: "cedar", reconstructionError: 0.015, anomalyScore: -0.55, classifierConfidence: 0.8),
        ScoredSample(path: "c.png", label: .valid, source: "forms", reconstructionError: 0.030, anomalyScore: -0.40, classifierConfidence: 0.7),
        ScoredSample(path: "d.png", label: .invalid, source: "forms", reconstructionError: 0.050, anomalyScore: -0.60, classifierConfidence: 0.2),
        ScoredSample(path: "e.png", label: .invalid, source: "forms", reconstructionError: 0.012, anomalyScore: -0.48, classifierConfidence: 0.6),
        ScoredSample(path: "f.png", label: .invalid, source: "cedar", reconstructionError: 0.040, anomalyScore: -0.70, classifierConfidence: 0.4),
    ]
    private let thresholds = CriterionThresholds(reconstructionMax: 0.02, anomalyScoreMin: -0.5, classifierConfidenceMin: 0.5)

    func testFiguresByHand() throws {
        let r = EvaluationReport(samples: samples, thresholds: thresholds, model: "test")
        XCTAssertEqual(r.validCount, 3)
        XCTAssertEqual(r.invalidCount, 3)
        // Verdict: a and e pass all three criteria (e is a false accept); b, c, d, f fail one or more.
        XCTAssertEqual(r.verdict.confusion.truePositives, 1)
        XCTAssertEqual(r.verdict.confusion.falseNegatives, 2)
        XCTAssertEqual(r.verdict.confusion.falsePositives, 1)
        XCTAssertEqual(r.verdict.confusion.trueNegatives, 2)
        XCTAssertEqual(r.misclassified.map(\.path), ["b.png", "c.png", "e.png"])
        // Reconstruction alone: a, b, e pass → TP 2, FP 1.
        XCTAssertEqual(r.reconstruction.metrics.confusion.truePositives, 2)
        XCTAssertEqual(r.reconstruction.metrics.confusion.falsePositives, 1)
        XCTAssertEqual(r.reconstruction.validWhen, "lower")
        // MSE ranks: valid {0.010, 0.015, 0.030} vs invalid {0.012, 0.040, 0.050}: lower-is-valid pairs
        // won: 0.010 beats 3, 0.015 beats 2, 0.030 beats 2 → 7/9.
        XCTAssertEqual(try XCTUnwrap(r.reconstruction.rocAUC), 7.0 / 9, accuracy: 1e-12)
        // Classifier separates perfectly (valid ≥ 0.7 > invalid ≤ 0.6).
        XCTAssertEqual(r.classifier.rocAUC, 1)
        XCTAssertEqual(r.classifier.equalErrorRate, 0)
        XCTAssertEqual(r.classifier.metrics.confusion.falsePositives, 1)  // e at 0.6 passes 0.5
        // Forest: a, c, e pass.
        XCTAssertEqual(r.anomaly.metrics.confusion.truePositives, 2)
        XCTAssertEqual(r.perSource["cedar"]?.count, 3)
        XCTAssertEqual(r.perSource["cedar"]?.accuracy ?? 0, 2.0 / 3, accuracy: 1e-12)  // a right, b wrong, f right
        XCTAssertEqual(r.perSource["forms"]?.accuracy ?? 0, 1.0 / 3, accuracy: 1e-12)  // c wrong, d right, e wrong
        // Sole rejections: c fails reconstruction only, b the forest only; d and f fail all three, so the
        // classifier alone decides nothing here.
        XCTAssertEqual(r.reconstruction.soleRejections, SoleRejections(valid: 1, invalid: 0))
        XCTAssertEqual(r.anomaly.soleRejections, SoleRejections(valid: 1, invalid: 0))
        XCTAssertEqual(r.classifier.soleRejections, SoleRejections(valid: 0, invalid: 0))
        XCTAssertEqual(r.idleCriteria, ["classifier"])
        let back = try JSONDecoder().decode(EvaluationReport.self, from: try r.json())
        XCTAssertEqual(back, r)
    }

    func testWritesJSONAndLegiblePictures() throws {
        let fonts: FontLibrary
        do { fonts = try FontLibrary() } catch { throw XCTSkip("fonts-dejavu-core absent: \(error)") }
        let dir = NSTemporaryDirectory() + "report-test-" + UUID().uuidString
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let r = EvaluationReport(samples: samples, thresholds: thresholds)
        let history = MetricsHistory(networks: [.init(name: "autoencoder", series: ["loss": [0.5, 0.3, 0.2], "val_loss": [0.6, 0.4, 0.35],
                                                                                  "learning_rate": [1e-4, 1e-4, 2e-5]])])
        let files = try r.write(to: dir, samples: samples, history: history, fonts: fonts)
        XCTAssertEqual(Set(files), ["report.json", "confusion_verdict.png", "confusion_reconstruction.png", "confusion_anomaly.png",
                                    "confusion_classifier.png", "histogram_reconstruction.png", "histogram_anomaly.png",
                                    "histogram_classifier.png", "roc_curves.png", "curves_autoencoder.png"])
        for f in files where f.hasSuffix(".png") {
            let img = try ImageDecoder().decode(contentsOf: dir + "/" + f)
            XCTAssertGreaterThan(img.pixels.filter { $0 < 128 }.count, 500, f)
        }
        let json = try String(contentsOfFile: dir + "/report.json", encoding: .utf8)
        XCTAssert(json.contains("\"perSource\""))
    }
}
