import ArgumentParser
import Foundation
import Worker

/// `sigverify benchmark queue`: claim + finish throughput of the queue alone (no-op jobs), for
/// 1 and 4 worker processes at batch sizes 1 and 32, in a throwaway database on the server.
struct BenchmarkQueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Measure queue throughput (claim + finish of no-op jobs) in a temporary database.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Jobs per measurement.") var jobs = 4000
    @Option(help: "Worker process counts, comma-separated.") var workers = "1,4"
    @Option(help: "Batch sizes, comma-separated.") var batchSizes = "1,32"
    @Flag(help: .hidden) var child = false
    @Option(help: .hidden) var batchSize = 32

    func run() throws {
        database.bootstrapLogging()
        let url = try database.resolvedURL()
        if child {
            _ = try QueueBenchmark.runChild(databaseURL: url, batchSize: batchSize)
            return
        }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let workerCounts = workers.split(separator: ",").compactMap { Int($0) }
        let batches = batchSizes.split(separator: ",").compactMap { Int($0) }
        print("queue benchmark: \(jobs) no-op jobs per run (3 KB payload, verdict row written per job)")
        print("workers  batch  seconds  jobs/s")
        for w in workerCounts {
            for b in batches {
                let r = try QueueBenchmark.measure(serverURL: url, executable: exe, childArguments: ["benchmark", "queue", "--child"],
                                                   jobs: jobs, workers: w, batchSize: b)
                print(String(format: "%7d  %5d  %7.2f  %6.0f", w, b, r.seconds, r.jobsPerSecond))
            }
        }
    }
}
