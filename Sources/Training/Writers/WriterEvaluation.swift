import Foundation
import WriterVerification

/// `evaluate-writers`: the protocol's figures per dataset at the model's threshold for one number of
/// references, and how the equal error rates grow as the references shrink.
public struct WriterEvaluation: Sendable, Codable {
    public var modelVersion: String
    public var references: Int
    public var threshold: Double
    /// Per dataset (and "all") at `references`.
    public var datasets: [String: WriterErrorRates]
    /// Per number of references (as text, for JSON), per dataset (and "all").
    public var curve: [String: [String: WriterErrorRates]]
    /// The scoring the model does not use (`mean_cosine` or `relative_to_references`), for comparison.
    public var otherScoring: WriterScoring
    /// The same trials scored by `otherScoring` (at the model's threshold, which was not chosen for
    /// it, so only its equal error rates are comparable).
    public var other: [String: WriterErrorRates]

    enum CodingKeys: String, CodingKey {
        case modelVersion = "model_version", references, threshold, datasets, curve
        case otherScoring = "other_scoring", other
    }

    /// Runs the protocol on `scans` (embedded once) for `references` and each count in `curve`.
    /// Returns the figures and the trials at `references` (for the picture).
    /// `embeddings`: the scans' embeddings under `model` when the caller has them already.
    public static func run(_ scans: PreparedWriterScans, model: WriterModel, references: Int, curve: [Int],
                           randomWriters: Int = 10, embeddings given: [[Float]]? = nil)
        throws -> (evaluation: WriterEvaluation, trials: [WriterTrial]) {
        let embeddings = try given ?? scans.embeddings(model.network)
        func trials(_ n: Int, _ scorer: WriterScorer = model.scorer) -> [WriterTrial] {
            WriterProtocol(references: n, randomWriters: randomWriters).trials(scans.scans, embeddings: embeddings, score: scorer.score)
        }
        let main = trials(references)
        var otherScorer = model.scorer
        otherScorer.scoring = model.scorer.scoring.alternative
        let other = WriterErrorRates.perDataset(trials(references, otherScorer), threshold: model.threshold)
        var byCount: [String: [String: WriterErrorRates]] = [:]
        for n in curve { byCount["\(n)"] = WriterErrorRates.perDataset(trials(n), threshold: model.threshold) }
        let evaluation = WriterEvaluation(modelVersion: model.version, references: references, threshold: model.threshold,
                                          datasets: WriterErrorRates.perDataset(main, threshold: model.threshold), curve: byCount,
                                          otherScoring: otherScorer.scoring, other: other)
        return (evaluation, main)
    }

    /// Writes `report.json` and `roc.png` (genuine accepted against skilled and random forgeries
    /// accepted, per dataset) into `folder`; returns the paths written.
    public func write(to folder: String, trials: [WriterTrial], fonts: FontLibrary) throws -> [String] {
        try OutputFiles.makeDirectory(folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let json = (folder as NSString).appendingPathComponent("report.json")
        try OutputFiles.write(try encoder.encode(self), to: json)
        var series: [PlotSeries] = []
        for dataset in Set(trials.map(\.dataset)).sorted() {
            for kind in [TrialKind.skilled, .random] {
                let own = trials.filter { $0.dataset == dataset && ($0.kind == .genuine || $0.kind == kind) }
                let points = ROC.curve(scores: own.map(\.score), positives: own.map { $0.kind == .genuine })
                guard !points.isEmpty else { continue }
                series.append(PlotSeries(name: "\(dataset) \(kind.rawValue)", xs: points.map(\.falsePositiveRate),
                                         ys: points.map(\.truePositiveRate)))
            }
        }
        let png = (folder as NSString).appendingPathComponent("roc.png")
        try OutputFiles.writePNG(try Plot.lineChart(title: "ROC, \(references) references (genuine = positive)",
                                                    xLabel: "forgeries accepted", yLabel: "genuine accepted",
                                                    series: series, fonts: fonts), to: png)
        return [json, png]
    }
}
