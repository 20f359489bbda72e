import Foundation

/// The error figures of one dataset (or all) under the protocol: equal error rates (skilled and
/// random forgeries each against the genuine trials) and the rates at a fixed threshold.
public struct WriterErrorRates: Sendable, Codable, Equatable {
    public var writers: Int
    public var genuine: Int
    public var skilled: Int
    public var random: Int
    public var skilledEER: Double?
    public var randomEER: Double?
    /// Genuine trials scored below the threshold.
    public var falseRejectRate: Double
    /// Skilled forgeries scored at or above the threshold.
    public var skilledFalseAcceptRate: Double
    /// Random forgeries scored at or above the threshold.
    public var randomFalseAcceptRate: Double
    public var threshold: Double

    enum CodingKeys: String, CodingKey {
        case writers, genuine, skilled, random, threshold
        case skilledEER = "skilled_eer", randomEER = "random_eer", falseRejectRate = "frr"
        case skilledFalseAcceptRate = "far_skilled", randomFalseAcceptRate = "far_random"
    }

    public init(_ trials: [WriterTrial], threshold: Double) {
        func scores(_ kind: TrialKind) -> [Double] { trials.filter { $0.kind == kind }.map(\.score) }
        let (g, s, r) = (scores(.genuine), scores(.skilled), scores(.random))
        writers = Set(trials.map(\.writer)).count
        (genuine, skilled, random) = (g.count, s.count, r.count)
        skilledEER = Self.eer(g, s)
        randomEER = Self.eer(g, r)
        falseRejectRate = Self.share(g) { $0 < threshold }
        skilledFalseAcceptRate = Self.share(s) { $0 >= threshold }
        randomFalseAcceptRate = Self.share(r) { $0 >= threshold }
        self.threshold = threshold
    }

    /// The equal error rate of genuine (positive) against forgery scores.
    static func eer(_ genuine: [Double], _ forged: [Double]) -> Double? {
        ROC.equalErrorRate(scores: genuine + forged, positives: genuine.map { _ in true } + forged.map { _ in false })?.rate
    }

    private static func share(_ values: [Double], _ test: (Double) -> Bool) -> Double {
        values.isEmpty ? 0 : Double(values.count(where: test)) / Double(values.count)
    }

    /// The highest threshold at which at most `targetFRR` of the genuine trials score below it.
    public static func threshold(_ trials: [WriterTrial], targetFRR: Double) -> Double? {
        let g = trials.filter { $0.kind == .genuine }.map(\.score).sorted()
        guard !g.isEmpty else { return nil }
        return g[min(g.count - 1, Int((targetFRR * Double(g.count)).rounded(.down)))]
    }

    /// Figures per dataset and over all trials (key "all").
    public static func perDataset(_ trials: [WriterTrial], threshold: Double) -> [String: WriterErrorRates] {
        var out = Dictionary(grouping: trials, by: \.dataset).mapValues { WriterErrorRates($0, threshold: threshold) }
        out["all"] = WriterErrorRates(trials, threshold: threshold)
        return out
    }
}
