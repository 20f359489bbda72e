import Foundation
import JobQueue
import Logging
import Worker

/// Measures the queue alone: worker processes claiming and finishing no-op jobs in a throwaway
/// database created (and dropped) for the run, so no benchmark row ever reaches a real queue.
public enum QueueBenchmark {
    /// The model version written by benchmark runs; never used by `sigverify work`.
    public static let modelVersion = "queue-benchmark-noop"

    /// Writes a placeholder verdict at once (the job's own bytes stand in for the PNG, so each
    /// write is as large as a real one). Only ever runs inside `QueueBenchmark`'s own database.
    struct NoOpProcessor: ScanProcessor {
        var modelVersion: String { QueueBenchmark.modelVersion }

        func process(_ jobs: [ClaimedJob]) -> [ScanOutcome] {
            jobs.map { job in
                .success(VerdictRecord(modelVersion: modelVersion, preprocessingProfile: "none",
                                       reconstructionError: 0, anomalyScore: 0, classifierConfidence: 0,
                                       reconstructionThreshold: 0, anomalyScoreMin: 0, classifierConfidenceMin: 0,
                                       reconstructionPassed: false, anomalyPassed: false, classifierPassed: false,
                                       timings: StageTimings(decodeMs: 0, preprocessMs: 0, verifyMs: 0),
                                       preprocessedPNG: job.image ?? []))
            }
        }
    }

    public struct Result: Sendable {
        public var workers: Int
        public var batchSize: Int
        public var jobs: Int
        /// First claim to last verdict, from the database's clock.
        public var seconds: Double
        public var jobsPerSecond: Double { seconds > 0 ? Double(jobs) / seconds : 0 }
    }

    public enum Failure: Error, CustomStringConvertible {
        case database(PostgresError)
        case migration(MigrationError)
        case worker(String)

        public var description: String {
            switch self {
            case .database(let e): return "queue benchmark: \(e)"
            case .migration(let e): return "queue benchmark: \(e)"
            case .worker(let message): return "queue benchmark: \(message)"
            }
        }
    }

    /// One measurement: a fresh database on `serverURL`'s server with `jobs` queued no-op jobs
    /// (3 KB each, like a verdict's PNG), drained by `workers` processes of `executable`
    /// (invoked as `executable childArguments… --database-url URL --batch-size B`).
    public static func measure(serverURL: String, executable: String, childArguments: [String],
                               jobs: Int, workers: Int, batchSize: Int, payloads: [[UInt8]]? = nil) throws(Failure) -> Result {
        let name = "sigverify_bench_\(UInt32.random(in: 0...UInt32.max))"
        guard var components = URLComponents(string: serverURL) else { throw .worker("not a URL: \(serverURL)") }
        components.path = "/" + name
        let url = components.string ?? serverURL
        let admin: PostgresConnection
        do {
            admin = try PostgresConnection(url: serverURL)
            try admin.executeScript("CREATE DATABASE \(PostgresConnection.quoteIdentifier(name))")
        } catch { throw .database(error) }
        defer { try? admin.executeScript("DROP DATABASE IF EXISTS \(PostgresConnection.quoteIdentifier(name)) WITH (FORCE)") }

        let queue: JobQueue
        do {
            queue = try JobQueue(url: url)
            try Migrator.bundled().migrate(queue.db)
        } catch let error as PostgresError {
            throw .database(error)
        } catch let error as MigrationError {
            throw .migration(error)
        } catch {
            throw .worker("\(error)")
        }
        var rng = SystemRandomNumberGenerator()
        let scans = payloads ?? [(0..<3000).map { _ in UInt8.random(in: 0...255, using: &rng) }]
        do { try queue.enqueue((0..<jobs).map { NewJob(image: scans[$0 % scans.count]) }) } catch { throw .database(error) }

        var processes: [Process] = []
        for _ in 0..<workers {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = childArguments + ["--database-url", url, "--batch-size", "\(batchSize)"]
            p.standardOutput = FileHandle.nullDevice
            do { try p.run() } catch { throw .worker("cannot start \(executable): \(error)") }
            processes.append(p)
        }
        for p in processes {
            while p.isRunning { Thread.sleep(forTimeInterval: 0.02) }
            if p.terminationStatus != 0 { throw .worker("a worker process exited with status \(p.terminationStatus)") }
        }
        do {
            let r = try queue.db.execute("""
                SELECT count(*) FILTER (WHERE status = 'succeeded') AS done,
                       extract(epoch FROM max(finished_at) - min(started_at))::float8 AS seconds
                FROM sigverify.jobs
                """)
            let done = try r.int(0, "done") ?? 0
            guard done == jobs else { throw Failure.worker("only \(done) of \(jobs) jobs succeeded") }
            return Result(workers: workers, batchSize: batchSize, jobs: jobs, seconds: try r.double(0, "seconds") ?? 0)
        } catch let error as PostgresError {
            throw .database(error)
        } catch let error as Failure {
            throw error
        } catch {
            throw .worker("\(error)")
        }
    }

    /// The same processor without the queue: batches of `batchSize` scans straight through
    /// `processor.process` (which spreads each batch's decoding over the cores) — the baseline
    /// the queue's overhead is judged against.
    /// Returns scans per second.
    public static func measureBare(processor: any ScanProcessor, payloads: [[UInt8]], jobs: Int, batchSize: Int) -> Double {
        let all = (0..<jobs).map { ClaimedJob(id: Int64($0), attempt: 1, maxAttempts: 1, image: payloads[$0 % payloads.count]) }
        _ = processor.process(Array(all.prefix(batchSize)))  // warm-up: thread pools, buffers
        return scansPerSecond(jobs) {
            for start in stride(from: 0, to: all.count, by: batchSize) {
                _ = processor.process(Array(all[start..<min(all.count, start + batchSize)]))
            }
        }
    }

    /// Runs `executable arguments…` (a bare-processor child that prints `count` numbers, scans/s,
    /// separated by spaces) and returns them: the baselines measured in a fresh process like the
    /// worker's.
    public static func runNumbersChild(executable: String, arguments: [String], count: Int) throws(Failure) -> [Double] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { throw .worker("cannot start \(executable): \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        while p.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let values = text.split(separator: " ").compactMap { Double($0) }
        guard p.terminationStatus == 0, values.count == count else {
            throw .worker("bare measurement failed (status \(p.terminationStatus)): \(text)")
        }
        return values
    }

    /// The child side of `measure`: one worker process draining the benchmark database.
    public static func runChild(databaseURL: String, batchSize: Int) throws(WorkerError) -> WorkerSummary {
        let config = WorkerConfiguration(databaseURL: databaseURL, concurrency: 1, batchSize: batchSize,
                                         leaseSeconds: 30, pollInterval: 1, untilEmpty: true)
        return try Worker(configuration: config, processor: NoOpProcessor()).run()
    }
}
