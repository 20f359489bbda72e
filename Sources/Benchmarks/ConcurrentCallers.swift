import Foundation
import NeuralNet
import Verifier

/// `benchmark nn --callers N…`: N threads verifying batches at once, as N worker loops of one
/// `sigverify work --concurrency N` do — each with its share of the cores decided once
/// (`CoreShare.perCaller(N)`), none changing another's thread use.
public struct ConcurrentCallers: Sendable {
    public let callers: Int
    public let imagesPerSecond: Double
    /// Images per CPU-second of the process: steadier than wall clock when other processes share the cores.
    public let imagesPerCPUSecond: Double
    /// OpenBLAS's thread count seen by every caller before and after each of its passes.
    public let blasThreadCounts: Set<Int>

    public static func measure(_ verifier: Verifier, input: Tensor, callers: Int, passes: Int) -> ConcurrentCallers {
        let cores = CoreShare.perCaller(callers)
        let seen = ThreadCountLog()
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds, cpu = processCPUSeconds()
        for _ in 0..<callers {
            group.enter()
            let thread = Thread {
                CoreShare.with(cores: cores) {
                    for _ in 0..<passes {
                        let before = BLAS.threadCount
                        _ = try? verifier.verify(input)
                        seen.record([before, BLAS.threadCount])
                    }
                }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let images = Double(callers * passes * input.shape[0])
        return ConcurrentCallers(callers: callers, imagesPerSecond: images / seconds,
                                 imagesPerCPUSecond: images / (processCPUSeconds() - cpu), blasThreadCounts: seen.counts)
    }
}

/// The OpenBLAS thread counts the callers saw, collected under a lock.
private final class ThreadCountLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen = Set<Int>()

    func record(_ counts: [Int]) { lock.withLock { seen.formUnion(counts) } }
    var counts: Set<Int> { lock.withLock { seen } }
}
