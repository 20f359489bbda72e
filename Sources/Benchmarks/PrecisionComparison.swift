import Dispatch
import Foundation
import NeuralNet
import ScanPipeline
import Verifier

/// What bfloat16 inference would do to a model's verdicts: the same preprocessed scans verified in
/// float32 and with every matrix product's operands rounded to bfloat16 (`BF16Emulation`, an exact
/// model of `cblas_sbgemm` up to summation order). A measurement for `sigverify benchmark
/// precision`, not a precision mode.
public struct PrecisionComparison: Sendable {
    /// How far one score moved, over all scans.
    public struct ScoreDifference: Sendable {
        public var name: String
        public var maxAbs = 0.0
        public var meanAbs = 0.0
        /// The scan with the largest difference.
        public var worstIndex = 0
    }

    /// A scan whose verdict differs between the two precisions.
    public struct Flip: Sendable {
        public var index: Int
        public var float32: Verification
        public var bf16: Verification
    }

    public var scans = 0
    public var identicalVerdicts = 0
    public var flips: [Flip] = []
    /// The scans whose pass/fail changed, per criterion (reconstruction, anomaly, classifier).
    public var criterionFlips: [[Int]] = [[], [], []]
    public var differences: [ScoreDifference] = ["reconstruction error", "anomaly score", "classifier confidence"]
        .map { ScoreDifference(name: $0) }
    public var float32Seconds = 0.0
    public var emulatedSeconds = 0.0

    public var agreement: Double { scans > 0 ? Double(identicalVerdicts) / Double(scans) : 1 }

    /// Verifies `scans` twice in batches of `batchSize`: float32, then bfloat16-emulated.
    public static func measure(_ scanVerifier: ScanVerifier, scans: [PreparedScan], batchSize: Int) throws -> PrecisionComparison {
        var comparison = PrecisionComparison()
        let t0 = DispatchTime.now().uptimeNanoseconds
        let reference = try verifyAll(scanVerifier, scans, batchSize: batchSize)
        let t1 = DispatchTime.now().uptimeNanoseconds
        BF16Emulation.isOn = true
        defer { BF16Emulation.isOn = false }
        let emulated = try verifyAll(scanVerifier, scans, batchSize: batchSize)
        comparison.float32Seconds = Double(t1 - t0) / 1e9
        comparison.emulatedSeconds = Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9
        for (index, (a, b)) in zip(reference, emulated).enumerated() { comparison.add(index, a, b) }
        return comparison
    }

    /// The files the verifier can read and preprocess, with their prepared scans, in order (decoded
    /// and preprocessed over the cores); the others are left out.
    public static func readable(_ files: [String], by scanVerifier: ScanVerifier) -> [(file: String, scan: PreparedScan)] {
        let prepared = Parallel.map(files.count) { i in
            Result { try scanVerifier.prepare([UInt8](try Data(contentsOf: URL(fileURLWithPath: files[i])))) }
        }
        return zip(files, prepared).compactMap { file, r in (try? r.get()).map { (file, $0) } }
    }

    private static func verifyAll(_ scanVerifier: ScanVerifier, _ scans: [PreparedScan], batchSize: Int) throws -> [Verification] {
        try stride(from: 0, to: scans.count, by: max(1, batchSize)).flatMap {
            try scanVerifier.verify(Array(scans[$0..<min(scans.count, $0 + max(1, batchSize))]))
        }
    }

    private mutating func add(_ index: Int, _ a: Verification, _ b: Verification) {
        scans += 1
        if a.verdict == b.verdict { identicalVerdicts += 1 } else { flips.append(Flip(index: index, float32: a, bf16: b)) }
        let passes = [(a.reconstructionPassed, b.reconstructionPassed), (a.anomalyPassed, b.anomalyPassed),
                      (a.classifierPassed, b.classifierPassed)]
        for (k, pair) in passes.enumerated() where pair.0 != pair.1 { criterionFlips[k].append(index) }
        let deltas = [abs(a.reconstructionError - b.reconstructionError), abs(a.anomalyScore - b.anomalyScore),
                      abs(a.classifierConfidence - b.classifierConfidence)]
        for (k, delta) in deltas.enumerated() {
            differences[k].meanAbs += (delta - differences[k].meanAbs) / Double(scans)
            if delta > differences[k].maxAbs { (differences[k].maxAbs, differences[k].worstIndex) = (delta, index) }
        }
    }
}
