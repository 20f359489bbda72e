import ArgumentParser
import Foundation
import Preprocessing
import Verifier
import Worker

/// `sigverify benchmark queue`: claim + finish throughput of the queue alone (no-op jobs) for 1
/// and 4 worker processes at batch sizes 1 and 32, each run in a throwaway database on the
/// server; with --end-to-end, `sigverify work` on real scans against the same processor without
/// the queue.
struct BenchmarkQueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Measure queue throughput (no-op jobs) and, with --end-to-end, the queue's overhead on real verification.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Jobs per measurement.") var jobs = 4000
    @Option(help: "Worker process counts, comma-separated.") var workers = "1,4"
    @Option(help: "Batch sizes, comma-separated.") var batchSizes = "1,32"
    @Flag(help: "Also measure end to end: real scans through `sigverify work` vs the bare processor.") var endToEnd = false
    @Option(help: "Model bundle for --end-to-end (default: the bundled default model).") var model: String?
    @Option(help: "Scans for --end-to-end (cycled).") var scans: [String] = ["samples/scan600_01.jpg", "samples/page.png"]
    @Option(help: "Jobs per end-to-end measurement.") var endToEndJobs = 128
    @Option(help: "Repetitions of each end-to-end measurement, interleaved (best kept).") var repeats = 3
    @Flag(help: .hidden) var child = false
    @Flag(help: .hidden) var childBare = false
    @Option(help: .hidden) var batchSize = 32

    func run() throws {
        database.bootstrapLogging()
        if childBare {
            let processor = VerifyingScanProcessor(
                scanVerifier: try ScanVerifier(modelFolder: try ModelLocation.resolve(model), maxBatch: batchSize))
            let payloads = try scans.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
            print(QueueBenchmark.measureBare(processor: processor, payloads: payloads, jobs: endToEndJobs, batchSize: batchSize))
            return
        }
        let url = try database.resolvedURL()
        if child {
            _ = try QueueBenchmark.runChild(databaseURL: url, batchSize: batchSize)
            return
        }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let quiet = ["--log-level", database.logLevel ?? "warning"]
        let batches = batchSizes.split(separator: ",").compactMap { Int($0) }
        print("queue alone: \(jobs) no-op jobs per run (3 KB payload, one verdict row per job)")
        print("workers  batch  seconds  jobs/s")
        for w in workers.split(separator: ",").compactMap({ Int($0) }) {
            for b in batches {
                let r = try QueueBenchmark.measure(serverURL: url, executable: exe, childArguments: ["benchmark", "queue", "--child"] + quiet,
                                                   jobs: jobs, workers: w, batchSize: b)
                print(String(format: "%7d  %5d  %7.2f  %6.0f", w, b, r.seconds, r.jobsPerSecond))
            }
        }
        guard endToEnd else { return }

        let folder = try ModelLocation.resolve(model)
        let bundle = try ModelBundle.load(from: folder)
        let payloads = try scans.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
        let b = batches.max() ?? 32
        let bareArguments = ["benchmark", "queue", "--child-bare", "--model", folder.path, "--batch-size", "\(b)",
                             "--end-to-end-jobs", "\(endToEndJobs)"] + scans.flatMap { ["--scans", $0] } + quiet
        print("\nend to end: \(endToEndJobs) scans (\(scans.joined(separator: ", "))), model \(bundle.version), batch \(b), 1 worker process")
        var bare = 0.0, queued = 0.0, share = 1.0
        for _ in 0..<max(1, repeats) {
            bare = max(bare, try QueueBenchmark.runNumberChild(executable: exe, arguments: bareArguments))
            let r = try QueueBenchmark.measure(serverURL: url, executable: exe,
                                               childArguments: ["work", "--model", folder.path, "--until-empty"] + quiet,
                                               jobs: endToEndJobs, workers: 1, batchSize: b, payloads: payloads)
            queued = max(queued, r.jobsPerSecond)
            share = min(share, r.queueShare)
        }
        print(String(format: "bare processor (same code, no database):        %7.1f scans/s", bare))
        print(String(format: "through the queue (a `sigverify work` process): %7.1f scans/s", queued))
        print(String(format: "worker time outside the processor (claim, write verdicts, waits): %.1f %%", share * 100))
    }
}
