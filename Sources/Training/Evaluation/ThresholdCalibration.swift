/// Why a threshold could not be calibrated.
public enum CalibrationError: Error, CustomStringConvertible, Equatable {
    case noScores(String)
    case invalidTarget(name: String, value: Double)

    public var description: String {
        switch self {
        case .noScores(let what): return "cannot calibrate a threshold without \(what) scores"
        case .invalidTarget(let name, let value): return "\(name) must be in [0, 1], got \(value)"
        }
    }
}

/// Chooses a criterion's threshold from held-out scores instead of a fixed rule. The decision is
/// always `score ≥ threshold` on a "higher = more valid" score: pass `higherIsValid: false` for a
/// score where lower is better (reconstruction error), and the returned threshold is then an upper
/// bound (`score ≤ threshold`).
public enum ThresholdCalibration {
    /// The strictest threshold that still accepts at least `share` of `validScores` (e.g. 0.95:
    /// 95 % of valid validation scans pass this criterion).
    public static func accepting(share: Double, ofValid validScores: [Double], higherIsValid: Bool = true) throws -> Double {
        guard !validScores.isEmpty else { throw CalibrationError.noScores("valid") }
        guard (0...1).contains(share) else { throw CalibrationError.invalidTarget(name: "share", value: share) }
        let oriented = validScores.map { higherIsValid ? $0 : -$0 }.sorted(by: >)
        let needed = max(1, Int((share * Double(oriented.count)).rounded(.up)))
        let t = oriented[min(needed, oriented.count) - 1]
        return higherIsValid ? t : -t
    }

    /// The most permissive threshold whose false-accept rate on `invalidScores` is at most `rate`
    /// (e.g. 0.01: at most 1 % of held-out non-signatures pass this criterion).
    public static func forFalseAcceptRate(_ rate: Double, invalidScores: [Double], higherIsValid: Bool = true) throws -> Double {
        guard !invalidScores.isEmpty else { throw CalibrationError.noScores("invalid") }
        guard (0...1).contains(rate) else { throw CalibrationError.invalidTarget(name: "false-accept rate", value: rate) }
        let oriented = invalidScores.map { higherIsValid ? $0 : -$0 }.sorted(by: >)
        let allowed = Int((rate * Double(oriented.count)).rounded(.down))
        let t = allowed >= oriented.count ? -Double.infinity : oriented[allowed].nextUp
        return higherIsValid ? t : -t
    }
}

extension ThresholdCalibration {
    /// The reference recipe's reconstruction threshold (`--recipe seed`): mean + 2·std of the
    /// valid training images' MSE, population standard deviation.
    public static func meanPlusTwoStd(_ values: [Double]) throws -> Double {
        guard !values.isEmpty else { throw CalibrationError.noScores("reconstruction-error") }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        return mean + 2 * variance.squareRoot()
    }
}
