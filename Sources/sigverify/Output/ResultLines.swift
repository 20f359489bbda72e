import Foundation
import Verifier

/// What `verify` and `compare` print per scan: JSON lines with sorted keys, padded table cells, and a
/// verification's fields by their JSON names.
enum ResultLines {
    /// One JSON object on one line (sorted keys: stable lines that diff and grep well).
    static func emit(_ object: [String: Any]) {
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } catch {
            // Only a non-finite score can fail to serialise; say so on the scan's line rather than drop it.
            // (A line of two strings always serialises, so this cannot recurse twice.)
            emit(["file": object["file"] ?? "", "error": "result is not representable in JSON (non-finite score)"])
        }
    }

    /// The three-criterion verdict's fields as `verify --json` names them.
    static func fields(_ v: Verification, profileName: String) -> [String: Any] {
        [
            "verdict": v.verdict.rawValue,
            "reconstruction_error": v.reconstructionError, "anomaly_score": v.anomalyScore,
            "classifier_confidence": v.classifierConfidence, "model_version": v.modelVersion,
            "reconstruction_threshold": v.reconstructionThreshold, "anomaly_score_min": v.anomalyScoreMin,
            "classifier_confidence_min": v.classifierConfidenceMin,
            "reconstruction_passed": v.reconstructionPassed, "anomaly_passed": v.anomalyPassed,
            "classifier_passed": v.classifierPassed, "preprocessing": profileName,
        ]
    }

    static func format(_ x: Double) -> String { String(format: "%.6g", x) }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
