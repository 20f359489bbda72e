/// The `calibrated` recipe: the three thresholds are chosen together on held-out validation images,
/// because the verdict needs all three criteria to pass — a per-criterion rule loses a few valid
/// images to each criterion and cannot see which criterion actually separates the classes.
///
/// Candidates: for each criterion, the thresholds that accept `candidateShares` of the held-out
/// valid images on that criterion alone (90 %, 91 %, …, 100 %; `ThresholdCalibration.accepting`) —
/// for the two novelty criteria only up to 1 − `targets.noveltyCost` (99 % by default), so that each
/// keeps rejecting the least signature-like inputs instead of opening to the worst held-out signature.
/// Among all triples whose combined verdict accepts at least `targets.validAcceptance` of the held-out
/// valid images, the one that rejects the most held-out invalid images wins (ties: more valid accepted,
/// then the more permissive triple). When no triple reaches the target, the triple accepting the most
/// valid images is used and a note says so; a note also reports when the false-accept rate stays above
/// `targets.falseAcceptRate`. With `targets.priority == .falseAccepts` the roles swap: among the triples
/// that let at most `falseAcceptRate` of the held-out invalid images through, the one accepting the
/// most valid images wins (else the most rejecting triple, with a note).
public enum JointCalibration {
    public static let candidateShares: [Double] = (0...10).map { 0.9 + Double($0) * 0.01 }

    /// One held-out image's scores.
    public struct Scores: Sendable, Equatable {
        public var reconstructionError: Double
        public var anomalyScore: Double
        public var classifierConfidence: Double
        public var isValid: Bool

        public init(reconstructionError: Double, anomalyScore: Double, classifierConfidence: Double, isValid: Bool) {
            self.reconstructionError = reconstructionError
            self.anomalyScore = anomalyScore
            self.classifierConfidence = classifierConfidence
            self.isValid = isValid
        }
    }

    public struct Result: Sendable, Equatable {
        public var reconstructionMax: Double
        public var anomalyScoreMin: Double
        public var classifierConfidenceMin: Double
        /// On the held-out images the thresholds were chosen on.
        public var validAccepted: Double
        public var falseAcceptRate: Double
        public var notes: [String]
    }

    public static func choose(_ scores: [Scores], targets: CalibrationTargets) throws -> Result {
        let valid = scores.filter(\.isValid), invalid = scores.filter { !$0.isValid }
        guard !valid.isEmpty else { throw CalibrationError.noScores("valid") }
        let rs = try candidates(valid.map(\.reconstructionError), higherIsValid: false, cost: targets.noveltyCost)
        let xs = try candidates(valid.map(\.anomalyScore), higherIsValid: true, cost: targets.noveltyCost)
        let cs = try candidates(valid.map(\.classifierConfidence), higherIsValid: true)
        var selection = Selection(targets: targets, validCount: valid.count, invalidCount: invalid.count)
        for r in rs {
            for a in xs {
                for c in cs {
                    func passes(_ s: Scores) -> Bool {
                        s.reconstructionError <= r && s.anomalyScore >= a && s.classifierConfidence >= c
                    }
                    // Ranks ties: larger = more permissive (the candidate lists run strict → permissive).
                    let permissive = (rs.firstIndex(of: r) ?? 0) + (xs.firstIndex(of: a) ?? 0) + (cs.firstIndex(of: c) ?? 0)
                    selection.consider(Candidate(r: r, a: a, c: c, accepted: valid.filter(passes).count,
                                                 rejected: invalid.count - invalid.filter(passes).count,
                                                 permissive: permissive))
                }
            }
        }
        let pick = selection.best ?? selection.fallback!
        let far = invalid.isEmpty ? 0 : Double(invalid.count - pick.rejected) / Double(invalid.count)
        return Result(reconstructionMax: pick.r, anomalyScoreMin: pick.a, classifierConfidenceMin: pick.c,
                      validAccepted: Double(pick.accepted) / Double(valid.count), falseAcceptRate: far,
                      notes: selection.notes(for: pick, falseAcceptRate: far))
    }

    /// One criterion's candidate thresholds, strict → permissive, without repeats.
    private static func candidates(_ values: [Double], higherIsValid: Bool, cost: Double = 0) throws -> [Double] {
        var out: [Double] = []
        for share in candidateShares where share <= 1 - cost + 1e-9 {
            let t = try ThresholdCalibration.accepting(share: share, ofValid: values, higherIsValid: higherIsValid)
            if !out.contains(t) { out.append(t) }
        }
        return out
    }

    /// A triple of thresholds with what it does on the held-out images.
    private struct Candidate {
        var r: Double, a: Double, c: Double
        var accepted: Int, rejected: Int, permissive: Int

        /// More rejected, then more accepted, then the more permissive triple.
        func beats(_ other: Candidate?) -> Bool {
            guard let other else { return true }
            if rejected != other.rejected { return rejected > other.rejected }
            if accepted != other.accepted { return accepted > other.accepted }
            return permissive > other.permissive
        }
    }

    /// The best triple meeting the priority's target so far, and the fallback if none does.
    private struct Selection {
        let targets: CalibrationTargets
        let validCount: Int, invalidCount: Int
        var best: Candidate?, fallback: Candidate?

        init(targets: CalibrationTargets, validCount: Int, invalidCount: Int) {
            self.targets = targets
            self.validCount = validCount
            self.invalidCount = invalidCount
        }

        mutating func consider(_ x: Candidate) {
            switch targets.priority {
            case .acceptance:
                if Double(x.accepted) >= targets.validAcceptance * Double(validCount) - 1e-9 {
                    if x.beats(best) { best = x }
                } else if fallback == nil || x.accepted > fallback!.accepted
                            || (x.accepted == fallback!.accepted && x.rejected > fallback!.rejected) {
                    fallback = x
                }
            case .falseAccepts:
                let passed = invalidCount - x.rejected
                if Double(passed) <= targets.falseAcceptRate * Double(invalidCount) + 1e-9 {
                    if best == nil || x.accepted > best!.accepted || (x.accepted == best!.accepted && x.beats(best)) {
                        best = x
                    }
                } else if fallback == nil || x.rejected > fallback!.rejected
                            || (x.rejected == fallback!.rejected && x.accepted > fallback!.accepted) {
                    fallback = x
                }
            }
        }

        func notes(for pick: Candidate, falseAcceptRate far: Double) -> [String] {
            var notes: [String] = []
            if best == nil {
                switch targets.priority {
                case .acceptance:
                    notes.append(String(format: "no thresholds accept %.3g of the validation signatures; using the most accepting ones",
                                        targets.validAcceptance))
                case .falseAccepts:
                    notes.append(String(format: "no thresholds let at most %.3g of the validation non-signatures through; using the most rejecting ones",
                                        targets.falseAcceptRate))
                }
            }
            if targets.priority == .falseAccepts, Double(pick.accepted) < targets.validAcceptance * Double(validCount) - 1e-9 {
                notes.append(String(format: "false accepts first: %.3f of the validation signatures accepted, under the target %.3g",
                                    Double(pick.accepted) / Double(validCount), targets.validAcceptance))
            }
            if invalidCount == 0 {
                notes.append("no validation non-signatures: thresholds only bound the valid acceptance")
            } else if far > targets.falseAcceptRate {
                notes.append(String(format: "validation false-accept rate %.3f is above the target %.3g", far, targets.falseAcceptRate))
            }
            return notes
        }
    }
}
