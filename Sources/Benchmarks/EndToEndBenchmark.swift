import Foundation
import JobQueue
import Verifier
import Worker

/// `benchmark queue --end-to-end`: for each model, scans/s of (1) the networks alone on
/// preprocessed tensors, (2) the bare processor on the scan bytes (both in a fresh child process)
/// and (3) one `sigverify work` process draining a throwaway database — repeated, interleaved,
/// best of each kept — and the two ratios the issue sets targets for.
public struct EndToEndBenchmark: Sendable {
    public let serverURL: String
    /// The `sigverify` executable the children run.
    public let executable: String
    /// Arguments quieting the children's logs.
    public let quiet: [String]
    public let batchSize: Int
    /// The scan files and folders as given (passed on to the child processes).
    public let scans: [String]
    /// Jobs per measurement; 0 = one per scan.
    public let jobs: Int
    public let repeats: Int
    /// Claim loops in the `sigverify work` process (`work --concurrency`).
    public let concurrency: Int

    public init(serverURL: String, executable: String, quiet: [String], batchSize: Int, scans: [String], jobs: Int,
                repeats: Int, concurrency: Int) {
        (self.serverURL, self.executable, self.quiet, self.batchSize) = (serverURL, executable, quiet, batchSize)
        (self.scans, self.jobs, self.repeats, self.concurrency) = (scans, jobs, repeats, concurrency)
    }

    /// One model's best figures (scans/s).
    public struct Row: Sendable {
        public var version = "", inputShape: [Int] = []
        public var networks = 0.0, processor = 0.0, queued = 0.0
    }

    /// The bytes of every scan file under `scans` (files and folders, as `enqueue` collects them).
    public static func payloads(_ scans: [String]) throws -> [[UInt8]] {
        try FileEnqueuer.collect(scans).map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
    }

    /// Jobs per measurement over `payloads`.
    public func jobCount(_ payloads: [[UInt8]]) -> Int { jobs > 0 ? jobs : payloads.count }

    /// The model at `folder`: its best figures over `repeats` interleaved runs on `payloads`.
    public func measure(folder: URL, payloads: [[UInt8]]) throws -> Row {
        let bundle = try ModelBundle.load(from: folder)
        var row = try measure(folder: folder, payloads: payloads, jobs: jobCount(payloads))
        (row.version, row.inputShape) = (bundle.version, bundle.parameters.inputShape)
        return row
    }

    private func measure(folder: URL, payloads: [[UInt8]], jobs: Int) throws -> Row {
        let bareArguments = ["benchmark", "queue", "--child-bare", "--model", folder.path, "--batch-size", "\(batchSize)",
                             "--end-to-end-jobs", "\(jobs)"] + scans.flatMap { ["--scans", $0] } + quiet
        let workArguments = ["work", "--model", folder.path, "--until-empty", "--concurrency", "\(concurrency)"] + quiet
        var row = Row()
        for _ in 0..<repeats {
            let bare = try QueueBenchmark.runNumbersChild(executable: executable, arguments: bareArguments, count: 2)
            row.networks = max(row.networks, bare[0])
            row.processor = max(row.processor, bare[1])
            let r = try QueueBenchmark.measure(serverURL: serverURL, executable: executable, childArguments: workArguments,
                                               jobs: jobs, workers: 1, batchSize: batchSize, payloads: payloads)
            row.queued = max(row.queued, r.jobsPerSecond)
        }
        return row
    }
}
