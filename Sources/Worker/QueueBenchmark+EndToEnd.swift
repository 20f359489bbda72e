import Dispatch
import JobQueue
import NeuralNet

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

    /// Both in-process figures for `jobs` scans cycled from `payloads`, in batches of `batchSize`.
    public static func measureInProcess(processor: VerifyingScanProcessor, payloads: [[UInt8]], jobs: Int,
                                        batchSize: Int) throws -> BareFigures {
        let networks = try measureNetworks(processor.scanVerifier, payloads: payloads, jobs: jobs, batchSize: batchSize)
        let bare = measureBare(processor: processor, payloads: payloads, jobs: jobs, batchSize: batchSize)
        return BareFigures(networks: networks, processor: bare)
    }

    /// The networks alone: every payload decoded and preprocessed once (untimed), then `jobs`
    /// tensors cycled from them through `ScanVerifier.verify` in batches of `batchSize`.
    public static func measureNetworks(_ scanVerifier: ScanVerifier, payloads: [[UInt8]], jobs: Int,
                                       batchSize: Int) throws -> Double {
        let prepared = try payloads.map { try scanVerifier.prepare($0) }
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
