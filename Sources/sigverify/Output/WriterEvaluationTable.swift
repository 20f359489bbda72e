import Foundation
import Training
import WriterVerification

/// Prints `evaluate-writers`' figures: one row per dataset at the chosen reference count, then the
/// equal error rates per reference count.
enum WriterEvaluationTable {
    static func print(_ e: WriterEvaluation) {
        Swift.print("writer model \(e.modelVersion), threshold \(String(format: "%.4f", e.threshold)), \(e.references) references")
        Swift.print("DATASET          WRITERS  GENUINE  SKILLED  RANDOM  SKILLED_EER  RANDOM_EER  FRR    FAR_SKILLED  FAR_RANDOM")
        for (name, r) in rows(e.datasets) {
            Swift.print(pad(name, 16) + " " + pad("\(r.writers)", 8) + " " + pad("\(r.genuine)", 8) + " " + pad("\(r.skilled)", 8)
                + " " + pad("\(r.random)", 7) + " " + pad(rate(r.skilledEER), 12) + " " + pad(rate(r.randomEER), 11)
                + " " + pad(rate(r.falseRejectRate), 6) + " " + pad(rate(r.skilledFalseAcceptRate), 12) + " " + rate(r.randomFalseAcceptRate))
        }
        let other = rows(e.other).map { "\($0.0) \(rate($0.1.skilledEER)) / \(rate($0.1.randomEER))" }
        Swift.print("scored by \(e.otherScoring.rawValue) instead, EER skilled / random: " + other.joined(separator: "  "))
        let counts = e.curve.keys.compactMap { Int($0) }.sorted(by: >)
        guard !counts.isEmpty else { return }
        Swift.print("EER by references (skilled / random; writers):")
        for n in counts {
            let cells = rows(e.curve["\(n)"] ?? [:]).map { "\($0.0) \(rate($0.1.skilledEER)) / \(rate($0.1.randomEER)) (\($0.1.writers))" }
            Swift.print(pad("  \(n)", 5) + "  " + cells.joined(separator: "  "))
        }
    }

    /// Datasets by name with "all" last.
    private static func rows(_ d: [String: WriterErrorRates]) -> [(String, WriterErrorRates)] {
        d.sorted { ($0.key == "all" ? 1 : 0, $0.key) < ($1.key == "all" ? 1 : 0, $1.key) }
    }

    private static func rate(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "-" }

    private static func pad(_ s: String, _ width: Int) -> String { ResultLines.pad(s, width) }
}
