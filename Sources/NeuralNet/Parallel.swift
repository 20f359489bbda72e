import Dispatch
import Foundation

/// Splits element-wise work (patch gathering, epilogues, pooling) across the cores, so the phases
/// between two multi-threaded SGEMM calls do not run on a single core.
public enum Parallel {
    /// Worker count: the calling thread's share of the cores (`CoreShare`).
    public static var workers: Int { CoreShare.current }

    /// How many parts `ranges`/`parts` split `total` items into.
    static func partCount(_ total: Int, minimumPerWorker: Int = 1) -> Int {
        min(workers, max(1, total / max(1, minimumPerWorker)))
    }

    /// Like `ranges`, also passing the part's index (0..<partCount) for per-part partial results.
    static func parts(_ total: Int, minimumPerWorker: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let parts = partCount(total, minimumPerWorker: minimumPerWorker)
        let unit = (total + parts - 1) / max(1, parts)
        if parts <= 1 {
            if total > 0 { body(0, 0..<total) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = p * unit, hi = min(total, lo + unit)
                if lo < hi { box.value(p, lo..<hi) }
            }
        }
    }

    /// Runs `body` on `count` contiguous, nearly equal sub-ranges of `0..<total` in parallel.
    static func ranges(_ total: Int, minimumPerWorker: Int = 1, _ body: (Range<Int>) -> Void) {
        parts(total, minimumPerWorker: minimumPerWorker) { _, range in body(range) }
    }
}

/// Carries a value the caller guarantees is used race-free (disjoint ranges of a buffer) into a
/// concurrent closure.
struct UnsafeSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
