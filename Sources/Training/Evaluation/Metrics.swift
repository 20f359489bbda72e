/// Counts of a binary decision against the truth; "positive" is a valid signature.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public var truePositives = 0
    public var falsePositives = 0
    public var trueNegatives = 0
    public var falseNegatives = 0

    public init() {}

    /// Tallies `predicted` against `actual` (true = valid), pairwise.
    public init(predicted: [Bool], actual: [Bool]) {
        precondition(predicted.count == actual.count, "ConfusionMatrix: \(predicted.count) predictions, \(actual.count) labels")
        for (p, a) in zip(predicted, actual) { add(predicted: p, actual: a) }
    }

    public mutating func add(predicted: Bool, actual: Bool) {
        switch (predicted, actual) {
        case (true, true): truePositives += 1
        case (true, false): falsePositives += 1
        case (false, false): trueNegatives += 1
        case (false, true): falseNegatives += 1
        }
    }

    public var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }

    /// TP / (TP + FP); 0 when nothing was predicted positive (scikit-learn's zero_division=0).
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    /// TP / (TP + FN): the share of valid signatures accepted (accuracy on the valid class).
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    /// TN / (TN + FP): the share of non-signatures rejected (accuracy on the invalid class).
    public var specificity: Double { ratio(trueNegatives, trueNegatives + falsePositives) }
    /// Harmonic mean of precision and recall; 0 when both are 0.
    public var f1: Double {
        let p = precision, r = recall
        return p + r > 0 ? 2 * p * r / (p + r) : 0
    }
    public var accuracy: Double { ratio(truePositives + trueNegatives, total) }
    /// FP / (FP + TN): invalid images wrongly accepted.
    public var falseAcceptRate: Double { ratio(falsePositives, falsePositives + trueNegatives) }
    /// FN / (FN + TP): valid signatures wrongly rejected.
    public var falseRejectRate: Double { ratio(falseNegatives, falseNegatives + truePositives) }

    private func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : 0 }
}

/// One operating point of a score threshold.
public struct ROCPoint: Sendable, Equatable, Codable {
    /// Items with score ≥ threshold are predicted positive.
    public var threshold: Double
    public var falsePositiveRate: Double
    public var truePositiveRate: Double
}

/// Threshold-free quality of a score: ROC curve, its area and the equal error rate.
/// Scores are "higher = more likely valid"; negate a score where lower is better (e.g. MSE).
public enum ROC {
    /// The ROC curve: one point per distinct score (descending), starting at (0, 0) with an
    /// infinite threshold. Empty when either class is absent.
    public static func curve(scores: [Double], positives: [Bool]) -> [ROCPoint] {
        precondition(scores.count == positives.count, "ROC: \(scores.count) scores, \(positives.count) labels")
        let p = positives.filter { $0 }.count, n = positives.count - p
        guard p > 0, n > 0 else { return [] }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points = [ROCPoint(threshold: .infinity, falsePositiveRate: 0, truePositiveRate: 0)]
        var tp = 0, fp = 0, k = 0
        while k < order.count {
            let s = scores[order[k]]
            while k < order.count, scores[order[k]] == s {
                if positives[order[k]] { tp += 1 } else { fp += 1 }
                k += 1
            }
            points.append(ROCPoint(threshold: s, falsePositiveRate: Double(fp) / Double(n), truePositiveRate: Double(tp) / Double(p)))
        }
        return points
    }

    /// Area under the ROC curve (trapezoids, so ties count one half: the Mann–Whitney statistic);
    /// nil when either class is absent.
    public static func auc(scores: [Double], positives: [Bool]) -> Double? {
        let c = curve(scores: scores, positives: positives)
        guard c.count > 1 else { return nil }
        var area = 0.0
        for i in 1..<c.count {
            area += (c[i].falsePositiveRate - c[i - 1].falsePositiveRate) * (c[i].truePositiveRate + c[i - 1].truePositiveRate) / 2
        }
        return area
    }

    /// The equal error rate — where the false-accept rate (FPR) equals the false-reject rate
    /// (1 − TPR) — interpolated linearly along the ROC curve, with the threshold of the nearest
    /// operating point; nil when either class is absent.
    public static func equalErrorRate(scores: [Double], positives: [Bool]) -> (rate: Double, threshold: Double)? {
        let c = curve(scores: scores, positives: positives)
        guard c.count > 1 else { return nil }
        // d = FPR − FNR rises from −1 at the first point to +1 at the last: find the sign change.
        func d(_ q: ROCPoint) -> Double { q.falsePositiveRate - (1 - q.truePositiveRate) }
        for i in 1..<c.count where d(c[i]) >= 0 {
            let a = c[i - 1], b = c[i]
            let da = d(a), db = d(b)
            let t = db - da > 0 ? -da / (db - da) : 0
            let fpr = a.falsePositiveRate + t * (b.falsePositiveRate - a.falsePositiveRate)
            let fnr = (1 - a.truePositiveRate) + t * ((1 - b.truePositiveRate) - (1 - a.truePositiveRate))
            let nearest = t < 0.5 && a.threshold.isFinite ? a : b
            return ((fpr + fnr) / 2, nearest.threshold)
        }
        return nil
    }
}

/// Everything the evaluation report says about one binary decision, ready for JSON.
public struct DecisionMetrics: Sendable, Equatable, Codable {
    public var confusion: ConfusionMatrix
    public var precision: Double
    public var recall: Double
    public var specificity: Double
    public var f1: Double
    public var accuracy: Double
    public var count: Int

    public init(_ confusion: ConfusionMatrix) {
        self.confusion = confusion
        precision = confusion.precision
        recall = confusion.recall
        specificity = confusion.specificity
        f1 = confusion.f1
        accuracy = confusion.accuracy
        count = confusion.total
    }

    /// Metrics per group (e.g. per source), keyed by the group name.
    public static func perGroup(predicted: [Bool], actual: [Bool], groups: [String]) -> [String: DecisionMetrics] {
        precondition(predicted.count == actual.count && actual.count == groups.count, "perGroup: length mismatch")
        var tallies: [String: ConfusionMatrix] = [:]
        for i in groups.indices { tallies[groups[i], default: ConfusionMatrix()].add(predicted: predicted[i], actual: actual[i]) }
        return tallies.mapValues(DecisionMetrics.init)
    }
}
