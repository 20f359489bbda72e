import Foundation
import Imaging
import Verifier

/// The three thresholds a verdict used (the bundle's `parameters.json` values).
public struct CriterionThresholds: Sendable, Equatable, Codable {
    /// Reconstruction MSE must be at most this.
    public var reconstructionMax: Double
    /// IsolationForest score must be at least this.
    public var anomalyScoreMin: Double
    /// Classifier confidence must be at least this.
    public var classifierConfidenceMin: Double

    public init(reconstructionMax: Double, anomalyScoreMin: Double = -0.5, classifierConfidenceMin: Double = 0.5) {
        self.reconstructionMax = reconstructionMax
        self.anomalyScoreMin = anomalyScoreMin
        self.classifierConfidenceMin = classifierConfidenceMin
    }
}

extension CriterionThresholds {
    /// The thresholds a bundle's parameters set.
    public init(_ p: VerifierParameters) {
        self.init(reconstructionMax: p.reconstructionThreshold, anomalyScoreMin: p.anomalyScoreMin,
                  classifierConfidenceMin: p.classifierConfidenceMin)
    }
}

/// One evaluated image: its truth and the verifier's three scores.
public struct ScoredSample: Sendable, Equatable, Codable {
    public var path: String
    public var label: SampleLabel
    public var source: String
    public var reconstructionError: Double
    public var anomalyScore: Double
    public var classifierConfidence: Double

    public init(path: String, label: SampleLabel, source: String, reconstructionError: Double, anomalyScore: Double,
                classifierConfidence: Double) {
        self.path = path
        self.label = label
        self.source = source
        self.reconstructionError = reconstructionError
        self.anomalyScore = anomalyScore
        self.classifierConfidence = classifierConfidence
    }

    public func passesReconstruction(_ t: CriterionThresholds) -> Bool { reconstructionError <= t.reconstructionMax }
    public func passesAnomaly(_ t: CriterionThresholds) -> Bool { anomalyScore >= t.anomalyScoreMin }
    public func passesClassifier(_ t: CriterionThresholds) -> Bool { classifierConfidence >= t.classifierConfidenceMin }
    /// The three-criterion verdict (SPEC §3): all must pass.
    public func verdict(_ t: CriterionThresholds) -> Bool { passesReconstruction(t) && passesAnomaly(t) && passesClassifier(t) }
}

/// One criterion alone: its decision metrics at the threshold, and its score's threshold-free quality.
public struct CriterionReport: Sendable, Equatable, Codable {
    public var threshold: Double
    /// "lower" for reconstruction error (valid when ≤ threshold), "higher" for the others.
    public var validWhen: String
    public var metrics: DecisionMetrics
    /// ROC-AUC of the score for telling valid from invalid; nil without both classes.
    public var rocAUC: Double?
    public var equalErrorRate: Double?
    /// The threshold at the equal-error operating point.
    public var equalErrorThreshold: Double?
    /// Images this criterion alone rejected (the other two passed them): the verdicts it decides.
    /// Zero means the verdict would be the same without it.
    public var soleRejections: SoleRejections = SoleRejections()
}

/// The images one criterion alone rejected, by true class: `invalid` are its catches, `valid` its cost.
public struct SoleRejections: Sendable, Equatable, Codable {
    public var valid = 0
    public var invalid = 0
    public var total: Int { valid + invalid }

    public init(valid: Int = 0, invalid: Int = 0) {
        self.valid = valid
        self.invalid = invalid
    }
}

/// Loss and metric values per epoch, per network: what `metrics_history.json` holds and the
/// training-curve pictures show.
public struct MetricsHistory: Sendable, Equatable, Codable {
    public struct Network: Sendable, Equatable, Codable {
        public var name: String
        /// e.g. "loss", "val_loss", "learning_rate", "accuracy", "val_accuracy" → one value per epoch.
        public var series: [String: [Double]]

        public init(name: String, series: [String: [Double]]) {
            self.name = name
            self.series = series
        }
    }

    public var networks: [Network]

    public init(networks: [Network]) { self.networks = networks }
}

/// The evaluation of a model on labelled images: the verdict's and each criterion's metrics,
/// ROC-AUC and EER per score, and a per-source breakdown — written as `report.json` plus pictures.
public struct EvaluationReport: Sendable, Equatable, Codable {
    public var model: String?
    public var thresholds: CriterionThresholds
    public var validCount: Int
    public var invalidCount: Int
    public var verdict: DecisionMetrics
    public var reconstruction: CriterionReport
    public var anomaly: CriterionReport
    public var classifier: CriterionReport
    /// Verdict metrics per source (folder or LABELS.tsv `source`).
    public var perSource: [String: DecisionMetrics]
    /// Every image the verdict got wrong, for inspection.
    public var misclassified: [ScoredSample]

    /// Computes every figure from the scored samples.
    public init(samples: [ScoredSample], thresholds t: CriterionThresholds, model: String? = nil) {
        self.model = model
        thresholds = t
        let actual = samples.map(\.label.isValid)
        validCount = actual.filter { $0 }.count
        invalidCount = samples.count - validCount
        let verdicts = samples.map { $0.verdict(t) }
        verdict = DecisionMetrics(ConfusionMatrix(predicted: verdicts, actual: actual))
        func criterion(_ threshold: Double, lowerIsValid: Bool, pass: (ScoredSample) -> Bool,
                       score: (ScoredSample) -> Double) -> CriterionReport {
            let m = DecisionMetrics(ConfusionMatrix(predicted: samples.map(pass), actual: actual))
            let oriented = samples.map { lowerIsValid ? -score($0) : score($0) }
            let eer = ROC.equalErrorRate(scores: oriented, positives: actual)
            return CriterionReport(threshold: threshold, validWhen: lowerIsValid ? "lower" : "higher", metrics: m,
                                   rocAUC: ROC.auc(scores: oriented, positives: actual), equalErrorRate: eer?.rate,
                                   equalErrorThreshold: eer.map { lowerIsValid ? -$0.threshold : $0.threshold })
        }
        reconstruction = criterion(t.reconstructionMax, lowerIsValid: true, pass: { $0.passesReconstruction(t) },
                                   score: \.reconstructionError)
        anomaly = criterion(t.anomalyScoreMin, lowerIsValid: false, pass: { $0.passesAnomaly(t) }, score: \.anomalyScore)
        classifier = criterion(t.classifierConfidenceMin, lowerIsValid: false, pass: { $0.passesClassifier(t) },
                               score: \.classifierConfidence)
        func sole(_ fails: (ScoredSample) -> Bool, _ othersPass: (ScoredSample) -> Bool) -> SoleRejections {
            let alone = samples.filter { fails($0) && othersPass($0) }
            return SoleRejections(valid: alone.filter(\.label.isValid).count, invalid: alone.filter { !$0.label.isValid }.count)
        }
        reconstruction.soleRejections = sole({ !$0.passesReconstruction(t) }, { $0.passesAnomaly(t) && $0.passesClassifier(t) })
        anomaly.soleRejections = sole({ !$0.passesAnomaly(t) }, { $0.passesReconstruction(t) && $0.passesClassifier(t) })
        classifier.soleRejections = sole({ !$0.passesClassifier(t) }, { $0.passesReconstruction(t) && $0.passesAnomaly(t) })
        perSource = DecisionMetrics.perGroup(predicted: verdicts, actual: actual, groups: samples.map(\.source))
        misclassified = zip(samples, verdicts).filter { $0.0.label.isValid != $0.1 }.map(\.0)
    }

    /// The criteria that decided no verdict here (the verdict would be the same without them).
    public var idleCriteria: [String] {
        [("reconstruction", reconstruction), ("anomaly", anomaly), ("classifier", classifier)]
            .filter { $0.1.soleRejections.total == 0 }.map(\.0)
    }

    /// The report as pretty, key-sorted JSON (non-finite numbers as the strings "inf"/"-inf"/"nan").
    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try enc.encode(self)
    }

    /// Writes `report.json`, the four confusion matrices, the three score histograms, the three
    /// criteria's ROC curves and, with a history, one training-curve picture per network into
    /// `directory`; returns the file names.
    @discardableResult
    public func write(to directory: String, samples: [ScoredSample], history: MetricsHistory? = nil,
                      fonts: FontLibrary) throws -> [String] {
        try OutputFiles.makeDirectory(directory)
        var written: [String] = []
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        func save(_ data: Data, _ name: String) throws {
            try OutputFiles.write(data, to: path(name))
            written.append(name)
        }
        func savePNG(_ image: GrayImage, _ name: String) throws {
            try OutputFiles.writePNG(image, to: path(name))
            written.append(name)
        }
        try save(try json(), "report.json")
        try savePNG(try Plot.confusionMatrix(title: "Verdict (all three criteria)", verdict.confusion, fonts: fonts),
                    "confusion_verdict.png")
        let valid = samples.filter(\.label.isValid), invalid = samples.filter { !$0.label.isValid }
        let criteria: [(String, String, CriterionReport, (ScoredSample) -> Double)] = [
            ("reconstruction", "Reconstruction error (MSE)", reconstruction, { $0.reconstructionError }),
            ("anomaly", "IsolationForest score", anomaly, { $0.anomalyScore }),
            ("classifier", "Classifier confidence", classifier, { $0.classifierConfidence }),
        ]
        for (key, title, report, score) in criteria {
            try savePNG(try Plot.confusionMatrix(title: title + " alone", report.metrics.confusion, fonts: fonts),
                        "confusion_\(key).png")
            if !samples.isEmpty {
                try savePNG(try Plot.histogram(title: title, xLabel: key == "reconstruction" ? "MSE (valid when ≤ threshold)"
                                                   : "score (valid when ≥ threshold)",
                                               valid: valid.map(score), invalid: invalid.map(score),
                                               threshold: report.threshold, fonts: fonts), "histogram_\(key).png")
            }
        }
        if !valid.isEmpty, !invalid.isEmpty {
            let actual = samples.map(\.label.isValid)
            let curves = criteria.map { key, _, report, score in
                let points = ROC.curve(scores: samples.map { report.validWhen == "lower" ? -score($0) : score($0) }, positives: actual)
                return PlotSeries(name: key + (report.rocAUC.map { String(format: " (AUC %.3f)", $0) } ?? ""),
                                  xs: points.map(\.falsePositiveRate), ys: points.map(\.truePositiveRate))
            }
            try savePNG(try Plot.lineChart(title: "ROC curves (valid = positive)", xLabel: "non-signatures accepted",
                                           yLabel: "signatures accepted", series: curves, fonts: fonts), "roc_curves.png")
        }
        for network in history?.networks ?? [] {
            let series = network.series.keys.sorted().filter { $0.contains("loss") }
                .map { PlotSeries(name: $0, ys: network.series[$0]!) }.filter { !$0.ys.isEmpty }
            guard !series.isEmpty else { continue }
            try savePNG(try Plot.lineChart(title: "\(network.name) training", xLabel: "epoch", yLabel: "loss",
                                           series: series, fonts: fonts), "curves_\(network.name).png")
        }
        return written
    }
}
