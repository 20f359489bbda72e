import ArgumentParser
import Benchmarks
import Foundation
import Preprocessing
import ScanPipeline
import Verifier
import Worker

/// `sigverify benchmark queue`: claim + finish throughput of the queue alone (no-op jobs) for 1
/// and 4 worker processes at batch sizes 1 and 32, each run in a throwaway database on the
/// server; with --end-to-end, for each model: the networks alone, the bare processor and
/// `sigverify work` through the queue on the same real scans.
struct BenchmarkQueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Measure queue throughput (no-op jobs) and, with --end-to-end, the queue's overhead on real verification.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Jobs per measurement.") var jobs = 4000
    @Option(help: "Worker process counts, comma-separated ('' skips the queue-alone table).") var workers = "1,4"
    @Option(help: "Batch sizes, comma-separated.") var batchSizes = "1,32"
    @Flag(help: "Also measure end to end: networks alone, the bare processor and `sigverify work` on real scans.") var endToEnd = false
    @Option(help: "Model bundle for --end-to-end, repeatable (default: the bundled default model).") var model: [String] = []
    @Option(help: "Scan files or folders for --end-to-end (cycled).") var scans: [String] = ["samples/scan600_01.jpg", "samples/page.png"]
    @Option(help: "Jobs per end-to-end measurement (0: one per scan).") var endToEndJobs = 0
    @Option(help: "Repetitions of each end-to-end measurement, interleaved (best kept).") var repeats = 3
    @Option(help: "Claim loops of the end-to-end `sigverify work` process (work --concurrency).") var workConcurrency = 1
    @Option(help: ArgumentHelp("End to end: each model with this version of its preprocessing profile (measured as a copy of the bundle that records it).", valueName: "N"))
    var profileVersion: Int?
    @Option(name: .customLong("set"), help: ArgumentHelp("End to end: override a profile parameter the same way (repeatable).", valueName: "NAME=VALUE"))
    var overrides: [String] = []
    @Flag(help: .hidden) var child = false
    @Flag(help: .hidden) var childBare = false
    @Option(help: .hidden) var batchSize = 32

    func run() throws {
        database.bootstrapLogging()
        if childBare { return try runBareChild() }
        let url = try database.resolvedURL()
        if child {
            _ = try QueueBenchmark.runChild(databaseURL: url, batchSize: batchSize)
            return
        }
        let batches = batchSizes.split(separator: ",").compactMap { Int($0) }
        let workerCounts = workers.split(separator: ",").compactMap { Int($0) }
        if !workerCounts.isEmpty { try measureQueueAlone(url: url, workerCounts: workerCounts, batches: batches) }
        guard endToEnd else { return }
        try printEndToEnd(EndToEndBenchmark(serverURL: url, executable: Self.executable, quiet: quiet,
                                            batchSize: batches.max() ?? 32, scans: scans, jobs: endToEndJobs,
                                            repeats: max(1, repeats), concurrency: max(1, workConcurrency)))
    }

    static var executable: String { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path }
    private var quiet: [String] { ["--log-level", database.logLevel ?? "warning"] }

    private func measureQueueAlone(url: String, workerCounts: [Int], batches: [Int]) throws {
        print("queue alone: \(jobs) no-op jobs per run (3 KB payload, one verdict row per job)")
        print("workers  batch  seconds  jobs/s")
        for w in workerCounts {
            for b in batches {
                let r = try QueueBenchmark.measure(serverURL: url, executable: Self.executable,
                                                   childArguments: ["benchmark", "queue", "--child"] + quiet,
                                                   jobs: jobs, workers: w, batchSize: b)
                print(String(format: "%7d  %5d  %7.2f  %6.0f", w, b, r.seconds, r.jobsPerSecond))
            }
        }
    }

    private func printEndToEnd(_ benchmark: EndToEndBenchmark) throws {
        let payloads = try EndToEndBenchmark.payloads(scans)
        print("\nend to end: \(benchmark.jobCount(payloads)) jobs over \(payloads.count) scans, batch \(benchmark.batchSize), "
              + "1 worker process with \(benchmark.concurrency) claim loop(s), best of \(benchmark.repeats) interleaved runs (scans/s)")
        print("model             input    networks  processor      queue  processor/networks  queue/processor")
        for model in model.isEmpty ? [nil] : model.map({ Optional($0) }) {
            let (folder, isCopy) = try measuredFolder(try ModelLocation.resolve(model))
            defer { if isCopy { try? FileManager.default.removeItem(at: folder) } }
            let row = try benchmark.measure(folder: folder, payloads: payloads)
            print(String(format: "%@  %3d×%-3d  %9.1f  %9.1f  %9.1f  %17.1f %%  %14.1f %%",
                         row.version, row.inputShape[0], row.inputShape[1], row.networks, row.processor, row.queued,
                         100 * row.processor / row.networks, 100 * row.queued / row.processor))
        }
        print("(networks: preprocessed tensors through the verifier; processor: scan bytes to verdict records, no database; "
              + "queue: first claim to last verdict in the database)")
    }

    /// The bundle to measure end to end: `folder` itself, or with --profile-version / --set a
    /// temporary copy whose parameters record that profile (its own version, so no verdict can
    /// pass for the original's).
    private func measuredFolder(_ folder: URL) throws -> (URL, isCopy: Bool) {
        guard profileVersion != nil || !overrides.isEmpty else { return (folder, false) }
        let bundle = try ModelBundle.load(from: folder)
        let profile = try PreprocessingProfile.forBundle(bundle.parameters).adjusted(version: profileVersion, overrides: overrides)
        var parameters = bundle.parameters
        parameters.preprocessing = PreprocessingDescription(name: profile.name, version: profile.version,
                                                            parameters: profile.parameters)
        let copy = FileManager.default.temporaryDirectory
            .appendingPathComponent("sigverify-profile-\(ProcessInfo.processInfo.processIdentifier)-\(bundle.version)")
        try ModelBundle.write(parameters: parameters, autoencoder: bundle.autoencoder, classifier: bundle.classifier,
                              forest: bundle.forest, to: copy)
        print("\(folder.path) measured as \(copy.path): profile \(profile.name) version \(profile.version)")
        return (copy, true)
    }

    /// The child of one in-process measurement: prints "networks processor" scans/s.
    private func runBareChild() throws {
        let processor = VerifyingScanProcessor(
            scanVerifier: try ScanVerifier(modelFolder: try ModelLocation.resolve(model.first), maxBatch: batchSize))
        let payloads = try EndToEndBenchmark.payloads(scans)
        let jobs = endToEndJobs > 0 ? endToEndJobs : payloads.count
        let figures = try QueueBenchmark.measureInProcess(processor: processor, payloads: payloads, jobs: jobs, batchSize: batchSize)
        print(figures.networks, figures.processor)
    }
}
