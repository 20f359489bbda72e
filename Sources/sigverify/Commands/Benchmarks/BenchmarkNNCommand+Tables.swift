import Benchmarks
import Foundation
import NeuralNet

/// How `benchmark nn` prints its measurements.
extension ConcurrentCallers {
    var line: String {
        String(format: "%d concurrent callers × %d core(s) each: %8.2f images/s in total, %6.2f per CPU-second", callers,
               CoreShare.perCaller(callers), imagesPerSecond, imagesPerCPUSecond)
            + "  (OpenBLAS threads seen: \(blasThreadCounts.sorted().map(String.init).joined(separator: ", ")))"
    }
}

extension LayerProfile {
    /// The table: ms per batch, GFLOP/s and share of the pass for every step, in pass order.
    func lines() -> [String] {
        let total = totalSeconds
        var out = [String(format: "per-layer, batch %d (best of each step; pass total %.2f ms):", batch, total * 1000)]
        out.append("  " + "network".padding(toLength: 11, withPad: " ", startingAt: 0)
                   + "step".padding(toLength: 40, withPad: " ", startingAt: 0)
                   + "output".padding(toLength: 18, withPad: " ", startingAt: 0) + "      ms   GFLOP/s   share")
        for row in rows {
            let shape = row.output.map(String.init).joined(separator: "×")
            let rate = row.flops > 0 ? String(format: "%9.1f", Double(row.flops) / row.seconds / 1e9) : "        –"
            out.append("  " + row.network.padding(toLength: 11, withPad: " ", startingAt: 0)
                       + String(row.step.prefix(39)).padding(toLength: 40, withPad: " ", startingAt: 0)
                       + shape.padding(toLength: 18, withPad: " ", startingAt: 0)
                       + String(format: "%8.3f ", row.seconds * 1000) + rate
                       + String(format: " %6.1f %%", 100 * row.seconds / total))
        }
        return out
    }
}
