import Foundation
import Imaging
import NeuralNet
import Training
import XCTest

final class MetricsTests: XCTestCase {
    func testConfusionMatrixHandComputed() {
        let m = ConfusionMatrix(predicted: [true, true, false, false, true, false], actual: [true, false, false, true, true, false])
        XCTAssertEqual([m.truePositives, m.falsePositives, m.trueNegatives, m.falseNegatives], [2, 1, 2, 1])
        XCTAssertEqual(m.precision, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.recall, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.f1, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.accuracy, 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(m.specificity, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.falseAcceptRate, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.falseRejectRate, 1.0 / 3, accuracy: 1e-12)
        // Uneven case: precision 3/4, recall 3/5, F1 = 2·(3/4)(3/5)/(3/4+3/5) = 2/3.
        let u = ConfusionMatrix(predicted: [true, true, true, true, false, false, false],
                                actual: [true, true, true, false, true, true, false])
        XCTAssertEqual(u.precision, 0.75, accuracy: 1e-12)
        XCTAssertEqual(u.recall, 0.6, accuracy: 1e-12)
        XCTAssertEqual(u.f1, 2.0 / 3, accuracy: 1e-12)
        // Nothing predicted positive: precision and F1 are 0, not NaN.
        let none = ConfusionMatrix(predicted: [false, false], actual: [true, false])
        XCTAssertEqual(none.precision, 0)
        XCTAssertEqual(none.f1, 0)
        XCTAssertEqual(none.accuracy, 0.5)
    }

    func testROCAUCAndEERHandComputed() throws {
        // scikit-learn's roc_auc_score example: 0.75.
        XCTAssertEqual(try XCTUnwrap(ROC.auc(scores: [0.1, 0.4, 0.35, 0.8], positives: [false, false, true, true])), 0.75, accuracy: 1e-12)
        let e = try XCTUnwrap(ROC.equalErrorRate(scores: [0.1, 0.4, 0.35, 0.8], positives: [false, false, true, true]))
        XCTAssertEqual(e.rate, 0.5, accuracy: 1e-12)
        XCTAssertEqual(e.threshold, 0.4)
        // Positives 0.9, 0.6, 0.3 against negatives 0.7, 0.2, 0.1: 7 of 9 pairs ordered; EER 1/3 at 0.6.
        let s = [0.9, 0.6, 0.3, 0.7, 0.2, 0.1], p = [true, true, true, false, false, false]
        XCTAssertEqual(try XCTUnwrap(ROC.auc(scores: s, positives: p)), 7.0 / 9, accuracy: 1e-12)
        let e2 = try XCTUnwrap(ROC.equalErrorRate(scores: s, positives: p))
        XCTAssertEqual(e2.rate, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(e2.threshold, 0.6)
        // Crossing between two operating points: interpolated.
        let e3 = try XCTUnwrap(ROC.equalErrorRate(scores: [0.9, 0.1, 0.5], positives: [true, true, false]))
        XCTAssertEqual(e3.rate, 0.5, accuracy: 1e-12)
        // Perfect separation; ties count one half; one class only gives nil.
        XCTAssertEqual(ROC.auc(scores: [1, 2, 3, 4], positives: [false, false, true, true]), 1)
        XCTAssertEqual(try XCTUnwrap(ROC.equalErrorRate(scores: [1, 2, 3, 4], positives: [false, false, true, true])).rate, 0)
        XCTAssertEqual(ROC.auc(scores: [0.5, 0.5], positives: [true, false]), 0.5)
        XCTAssertNil(ROC.auc(scores: [0.5, 0.7], positives: [true, true]))
        XCTAssertNil(ROC.equalErrorRate(scores: [], positives: []))
        let curve = ROC.curve(scores: s, positives: p)
        XCTAssertEqual(curve.first?.truePositiveRate, 0)
        XCTAssertEqual(curve.last?.falsePositiveRate, 1)
        XCTAssertEqual(curve.last?.truePositiveRate, 1)
    }

    func testPerGroupMetricsAndJSON() throws {
        let per = DecisionMetrics.perGroup(predicted: [true, false, true, true], actual: [true, false, false, true],
                                           groups: ["cedar", "cedar", "forms", "forms"])
        XCTAssertEqual(per["cedar"]?.accuracy, 1)
        XCTAssertEqual(per["forms"]?.accuracy, 0.5)
        XCTAssertEqual(per["forms"]?.count, 2)
        let json = try JSONEncoder().encode(per["forms"]!)
        let back = try JSONDecoder().decode(DecisionMetrics.self, from: json)
        XCTAssertEqual(back, per["forms"])
        XCTAssert(String(decoding: json, as: UTF8.self).contains("\"precision\""))
    }
}

final class SplitTests: XCTestCase {
    func testStratifiedSplitKeepsClassSharesAndShuffles() {
        let labels = Array(repeating: SampleLabel.valid, count: 10) + Array(repeating: SampleLabel.invalid, count: 30)
        var g1 = SeededGenerator(seed: 3), g2 = SeededGenerator(seed: 3)
        let s = DataSplit.stratified(labels: labels, heldOutFraction: 0.2, using: &g1)
        XCTAssertEqual(s, DataSplit.stratified(labels: labels, heldOutFraction: 0.2, using: &g2))
        XCTAssertEqual(Set(s.train + s.heldOut), Set(labels.indices))
        XCTAssertEqual(s.train.count + s.heldOut.count, 40)
        XCTAssertEqual(s.heldOut.filter { labels[$0] == .valid }.count, 2)
        XCTAssertEqual(s.heldOut.filter { labels[$0] == .invalid }.count, 6)
        XCTAssertNotEqual(s.train, s.train.sorted())
        // The reference's quirk (last 20 % = only non-signatures) cannot happen: both classes held out.
        var g = SeededGenerator(seed: 1)
        let tiny = DataSplit.stratified(labels: [.valid, .valid, .invalid, .invalid, .invalid], heldOutFraction: 0.2, using: &g)
        XCTAssertEqual(Set(tiny.heldOut.map { [SampleLabel.valid, .valid, .invalid, .invalid, .invalid][$0] }), [.valid, .invalid])
    }

    func testGroupDisjointSplitNeverSharesAWriter() {
        var labels: [SampleLabel] = [], groups: [String?] = []
        for w in 0..<10 { for _ in 0..<4 { labels.append(.valid); groups.append("writer\(w)") } }
        for _ in 0..<20 { labels.append(.invalid); groups.append(nil) }
        var g = SeededGenerator(seed: 9)
        let s = DataSplit.groupDisjoint(labels: labels, groups: groups, heldOutFraction: 0.25, using: &g)
        XCTAssertEqual(Set(s.train + s.heldOut), Set(labels.indices))
        XCTAssertEqual(s.train.count + s.heldOut.count, labels.count)
        let trainWriters = Set(s.train.compactMap { groups[$0] }), heldWriters = Set(s.heldOut.compactMap { groups[$0] })
        XCTAssert(trainWriters.isDisjoint(with: heldWriters))
        XCTAssertEqual(heldWriters.count, 3)  // 10 of 40 valid held out: writers of 4 until ≥ 10
        XCTAssertEqual(s.heldOut.filter { labels[$0] == .invalid }.count, 5)
    }
}

final class DatasetTests: XCTestCase {
    private func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "dataset-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testFolderListingAndLoaderSkipUnreadableFilesByName() throws {
        let dir = try tempDir()
        let img = GrayImage(width: 4, height: 3, pixels: Array(0..<12).map { UInt8($0 * 20) })
        try Data(try PNGEncoder.encode(img)).write(to: URL(fileURLWithPath: dir + "/good.png"))
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: dir + "/broken.png"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir + "/README.txt"))
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try Data(try PNGEncoder.encode(img)).write(to: URL(fileURLWithPath: dir + "/sub/deep.PNG"))
        let files = try DatasetListing.folder(dir, label: .valid)
        XCTAssertEqual(files.map { ($0.path as NSString).lastPathComponent }, ["broken.png", "good.png", "deep.PNG"])
        XCTAssert(files.allSatisfy { $0.label == .valid && $0.source == (dir as NSString).lastPathComponent })
        var warnings: [String] = []
        let loaded = DatasetLoader.load(files, warn: { warnings.append($0) }) { $0.width }
        XCTAssertEqual(loaded.samples.map(\.value), [4, 4])
        XCTAssertEqual(loaded.skipped.count, 1)
        XCTAssertEqual(warnings.count, 1)
        XCTAssert(warnings[0].contains("broken.png"), warnings[0])
        XCTAssertThrowsError(try DatasetListing.folder(dir + "/missing", label: .invalid))
    }

    func testLabelsFileParsing() throws {
        let dir = try tempDir()
        let tsv = "# real scans\r\nfile\tlabel\tsource\twriter\tlicense\r\n"
            + "a/001.png\tvalid\tcedar\tw01\tCC-BY\r\n"
            + "\r\n"
            + "b/page.jpg\tinvalid\tforms\t\tMIT\r\n"
            + "/abs/x.png\tgenuine\t\tw02\tBSD\r\n"
        try Data(tsv.utf8).write(to: URL(fileURLWithPath: dir + "/LABELS.tsv"))
        let rows = try DatasetListing.labelsFile(dir + "/LABELS.tsv")
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows[0].path, dir + "/a/001.png")
        XCTAssertEqual(rows[0].label, .valid)
        XCTAssertEqual(rows[0].source, "cedar")
        XCTAssertEqual(rows[0].writer, "w01")
        XCTAssertEqual(rows[0].fields["license"], "CC-BY")
        XCTAssertEqual(rows[1].label, .invalid)
        XCTAssertNil(rows[1].writer)
        XCTAssertEqual(rows[2].path, "/abs/x.png")
        XCTAssertEqual(rows[2].source, (dir as NSString).lastPathComponent)  // empty source: the folder's name

        try Data("file\tlabel\nx.png\tmaybe\n".utf8).write(to: URL(fileURLWithPath: dir + "/bad.tsv"))
        XCTAssertThrowsError(try DatasetListing.labelsFile(dir + "/bad.tsv")) { e in
            XCTAssertEqual(e as? DatasetError, .labelsBadRow(path: dir + "/bad.tsv", line: 2, reason: "unknown label 'maybe'"))
        }
        try Data("name\tkind\nx.png\tvalid\n".utf8).write(to: URL(fileURLWithPath: dir + "/nohead.tsv"))
        XCTAssertThrowsError(try DatasetListing.labelsFile(dir + "/nohead.tsv")) { e in
            XCTAssert("\(e)".contains("'file' column"), "\(e)")
        }
        XCTAssertThrowsError(try DatasetListing.labelsFile(dir + "/absent.tsv"))
    }

    func testLabelsFileSplitColumnAndScanRoot() throws {
        let dir = try tempDir()
        let tsv = "file\tlabel\tsource\twriter\tsplit\n"
            + "cedar/a.png\tvalid\tcedar\t1\ttrain\n"
            + "cedar/b.png\tvalid\tcedar\t5\tValidation\n"
            + "cedar/c.png\tvalid\tcedar\t20\ttest\n"
            + "other/d.png\tinvalid\tpages\t\t\n"
        try Data(tsv.utf8).write(to: URL(fileURLWithPath: dir + "/split.tsv"))
        let rows = try DatasetListing.labelsFile(dir + "/split.tsv", root: "/data/real")
        XCTAssertEqual(rows.map(\.role), [.train, .validation, .test, nil])
        XCTAssertEqual(rows[0].path, "/data/real/cedar/a.png", "relative paths resolve against the root")
        XCTAssertEqual(try DatasetListing.labelsFile(dir + "/split.tsv")[0].path, dir + "/cedar/a.png")

        try Data("file\tlabel\tsplit\nx.png\tvalid\tvalid\n".utf8).write(to: URL(fileURLWithPath: dir + "/badsplit.tsv"))
        XCTAssertThrowsError(try DatasetListing.labelsFile(dir + "/badsplit.tsv")) { e in
            XCTAssertEqual(e as? DatasetError, .labelsBadRow(path: dir + "/badsplit.tsv", line: 2,
                                                            reason: "unknown split 'valid' (train, validation, test)"))
        }
    }

    func testLabelSpellings() {
        XCTAssertEqual(SampleLabel(parsing: " Genuine "), .valid)
        XCTAssertEqual(SampleLabel(parsing: "1"), .valid)
        XCTAssertEqual(SampleLabel(parsing: "non-signature"), .invalid)
        XCTAssertEqual(SampleLabel(parsing: "0"), .invalid)
        XCTAssertNil(SampleLabel(parsing: "forgery?"))
    }
}

final class CalibrationTests: XCTestCase {
    func testAcceptingAShareOfValidScores() throws {
        let valid = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
        XCTAssertEqual(try ThresholdCalibration.accepting(share: 0.9, ofValid: valid), 0.1)  // 9 of 10 pass (≥ 0.1)
        XCTAssertEqual(try ThresholdCalibration.accepting(share: 0.95, ofValid: valid), 0.0)  // 9.5 → all 10
        XCTAssertEqual(try ThresholdCalibration.accepting(share: 0, ofValid: valid), 0.9)
        // Lower is valid (MSE): the threshold is an upper bound that 80 % stay under.
        let mse = [0.01, 0.02, 0.03, 0.04, 0.05]
        let t = try ThresholdCalibration.accepting(share: 0.8, ofValid: mse, higherIsValid: false)
        XCTAssertEqual(t, 0.04)
        XCTAssertEqual(mse.filter { $0 <= t }.count, 4)
        XCTAssertThrowsError(try ThresholdCalibration.accepting(share: 0.9, ofValid: []))
        XCTAssertThrowsError(try ThresholdCalibration.accepting(share: 1.5, ofValid: valid))
    }

    func testFalseAcceptRateBound() throws {
        let invalid = [0.95, 0.6, 0.4, 0.3, 0.2, 0.1, 0.1, 0.05, 0.0, 0.0]
        let t = try ThresholdCalibration.forFalseAcceptRate(0.1, invalidScores: invalid)
        XCTAssertEqual(invalid.filter { $0 >= t }.count, 1)  // one of ten may pass
        XCTAssertGreaterThan(t, 0.6)
        XCTAssertLessThan(t, 0.6001)
        let strict = try ThresholdCalibration.forFalseAcceptRate(0, invalidScores: invalid)
        XCTAssertEqual(invalid.filter { $0 >= strict }.count, 0)
        XCTAssertEqual(try ThresholdCalibration.forFalseAcceptRate(1, invalidScores: invalid), -.infinity)
        let mse = [0.5, 0.4, 0.3, 0.2]  // lower = valid: at most 1 of 4 below the bound
        let u = try ThresholdCalibration.forFalseAcceptRate(0.25, invalidScores: mse, higherIsValid: false)
        XCTAssertEqual(mse.filter { $0 <= u }.count, 1)
        XCTAssertThrowsError(try ThresholdCalibration.forFalseAcceptRate(0.1, invalidScores: []))
    }
}
