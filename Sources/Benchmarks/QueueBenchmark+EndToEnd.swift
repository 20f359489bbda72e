import Dispatch
import JobQueue
import NeuralNet
import ScanPipeline
import Worker

/// The in-process halves of `benchmark queue --end-to-end`: the networks alone on preprocessed
/// tensors and the bare processor (decode + preprocess + networks + PNG encode) on the same scans,
/// both without a database — the figures the queue's throughput is judged against.
extension QueueBenchmark {
    /// Scans per second of one in-process measurement pair.
    public struct BareFigures: Sendable {
        /// The networks alone, on tensors preprocessed once beforehand.
        public var networks: Double
        /// `VerifyingScanProcessor.process` on the scan bytes.
        public var processor: Double
    }

    /// Both in-process figures for `jobs` scans cycled from `payloads`, in batches of `batchSize`:
    /// `rounds` alternations of the two, the best of each kept, so that load from other processes
    /// in one moment does not skew their ratio.
    public static func measureInProcess(processor: VerifyingScanProcessor, payloads: [[UInt8]], jobs: Int,
                                        batchSize: Int, rounds: Int = 3) throws -> BareFigures {
        let prepared = try payloads.map { try processor.scanVerifier.prepare($0) }
        var best = BareFigures(networks: 0, processor: 0)
        for _ in 0..<max(1, rounds) {
            let networks = try measureNetworks(processor.scanVerifier, prepared: prepared, jobs: jobs, batchSize: batchSize)
            let bare = measureBare(processor: processor, payloads: payloads, jobs: jobs, batchSize: batchSize)
            best = BareFigures(networks: max(best.networks, networks), processor: max(best.processor, bare))
        }
        return best
    }

    /// The networks alone: `jobs` tensors cycled from `prepared` (decoded and preprocessed
    /// beforehand, untimed) through `ScanVerifier.verify` in batches of `batchSize`.
    public static func measureNetworks(_ scanVerifier: ScanVerifier, prepared: [PreparedScan], jobs: Int,
                                       batchSize: Int) throws -> Double {
        let all = (0..<jobs).map { prepared[$0 % prepared.count] }
        _ = try scanVerifier.verify(Array(all.prefix(batchSize)))  // warm-up: thread pools, buffers
        return try scansPerSecond(jobs) {
            for start in stride(from: 0, to: all.count, by: batchSize) {
                _ = try scanVerifier.verify(Array(all[start..<min(all.count, start + batchSize)]))
            }
        }
    }

    /// Wall-clock rate of `count` items done by `body`.
    static func scansPerSecond(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return seconds > 0 ? Double(count) / seconds : 0
    }
}
