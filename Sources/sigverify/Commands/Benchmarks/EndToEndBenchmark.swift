import Foundation
import JobQueue
import Verifier
import Worker

/// `benchmark queue --end-to-end`: for each model, scans/s of (1) the networks alone on
/// preprocessed tensors, (2) the bare processor on the scan bytes (both in a fresh child process)
/// and (3) one `sigverify work` process draining a throwaway database — repeated, interleaved,
/// best of each kept — and the two ratios the issue sets targets for.
struct EndToEndBenchmark {
    let serverURL: String
    let executable: String
    let quiet: [String]
    let batchSize: Int
    /// The scan files and folders as given (passed on to the child processes).
    let scans: [String]
    /// Jobs per measurement; 0 = one per scan.
    let jobs: Int
    let repeats: Int
    /// Claim loops in the `sigverify work` process (`work --concurrency`).
    let concurrency: Int

    /// One model's best figures.
    struct Row {
        var networks = 0.0, processor = 0.0, queued = 0.0
    }

    static func payloads(_ files: [String]) throws -> [[UInt8]] {
        try files.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
    }

    func run(models: [String?]) throws {
        let payloads = try Self.payloads(try FileEnqueuer.collect(scans))
        let count = jobs > 0 ? jobs : payloads.count
        print("\nend to end: \(count) jobs over \(payloads.count) scans, batch \(batchSize), 1 worker process with \(concurrency) claim loop(s), "
              + "best of \(repeats) interleaved runs (scans/s)")
        print("model             input    networks  processor      queue  processor/networks  queue/processor")
        for model in models {
            let folder = try ModelLocation.resolve(model)
            let bundle = try ModelBundle.load(from: folder)
            let row = try measure(folder: folder, payloads: payloads, jobs: count)
            let shape = bundle.parameters.inputShape
            print(String(format: "%@  %3d×%-3d  %9.1f  %9.1f  %9.1f  %17.1f %%  %14.1f %%",
                         bundle.version, shape[0], shape[1], row.networks, row.processor, row.queued,
                         100 * row.processor / row.networks, 100 * row.queued / row.processor))
        }
        print("(networks: preprocessed tensors through the verifier; processor: scan bytes to verdict records, no database; "
              + "queue: first claim to last verdict in the database)")
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
