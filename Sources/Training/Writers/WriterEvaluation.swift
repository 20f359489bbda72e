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
    /// The same trials scored by `SubjectAdaptiveScore` (its threshold: the validation-free 0.5 of
    /// z = 0, so only its equal error rates are comparable).
    public var adaptive: [String: WriterErrorRates]

    enum CodingKeys: String, CodingKey {
        case modelVersion = "model_version", references, threshold, datasets, curve
        case adaptive = "subject_adaptive"
    }

    /// Runs the protocol on `scans` (embedded once) for `references` and each count in `curve`.
    /// Returns the figures and the trials at `references` (for the picture).
    public static func run(_ scans: PreparedWriterScans, model: WriterModel, references: Int, curve: [Int],
                           randomWriters: Int = 10) throws -> (evaluation: WriterEvaluation, trials: [WriterTrial]) {
        let embeddings = try scans.embeddings(model.network)
        func trials(_ n: Int, _ score: ([Float], [[Float]]) -> Double = WriterModel.matchScore) -> [WriterTrial] {
            WriterProtocol(references: n, randomWriters: randomWriters).trials(scans.scans, embeddings: embeddings, score: score)
        }
        let main = trials(references)
        let adaptive = WriterErrorRates.perDataset(trials(references, SubjectAdaptiveScore.score), threshold: 0.5)
        var byCount: [String: [String: WriterErrorRates]] = [:]
        for n in curve { byCount["\(n)"] = WriterErrorRates.perDataset(trials(n), threshold: model.threshold) }
        let evaluation = WriterEvaluation(modelVersion: model.version, references: references, threshold: model.threshold,
                                          datasets: WriterErrorRates.perDataset(main, threshold: model.threshold), curve: byCount,
                                          adaptive: adaptive)
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
