// A worker process for the queue tests: the real `Worker` loop (claims, leases, heartbeat,
// reaper, signals, reconnects) driving a scripted processor, so tests can spawn, kill -9, SIGTERM
// and race several processes without needing a trained model. Each scan's bytes are a script:
//   "ok:<tag>"             → a verdict (scores derived from the bytes)
//   "sleep:<ms>:<tag>"     → sleep, then a verdict
//   "stall:<ms>:<tag>"     → on the job's first attempt only, sleep (a hung loop); later attempts: a verdict
//   "permanent:<reason>"   → permanent failure
//   "transient:<reason>"   → transient failure
// Usage: QueueTestWorker --database-url URL [--concurrency N] [--batch-size B] [--lease-seconds S]
//                        [--poll-interval S] [--retry-base S] [--batch-bytes B] [--batch-deadline S]
//                        [--shutdown-grace S] [--until-empty] [--notify auto|on|off]
//                        [--metrics-address HOST:PORT] [--liveness-timeout S]
import Foundation
import JobQueue
import Logging
import Operations
import Worker

struct ScriptedProcessor: ScanProcessor {
    var modelVersion: String { "test-scripted" }

    func process(_ jobs: [ClaimedJob]) -> [ScanOutcome] {
        jobs.map { job in
            let script = String(decoding: job.image ?? [], as: UTF8.self)
            let parts = script.split(separator: ":", maxSplits: 2).map(String.init)
            switch parts.first {
            case "permanent": return .failure(.permanent(parts.dropFirst().joined(separator: ":")))
            case "transient": return .failure(.transient(parts.dropFirst().joined(separator: ":")))
            case "sleep":
                Thread.sleep(forTimeInterval: Double(parts.count > 1 ? parts[1] : "0").map { $0 / 1000 } ?? 0)
                return .success(verdict(for: job))
            case "stall":
                if job.attempt == 1 { Thread.sleep(forTimeInterval: Double(parts.count > 1 ? parts[1] : "0").map { $0 / 1000 } ?? 0) }
                return .success(verdict(for: job))
            case "ok": return .success(verdict(for: job))
            default: return .failure(.permanent("unknown test script \(script.prefix(40))"))
            }
        }
    }

    private func verdict(for job: ClaimedJob) -> VerdictRecord {
        let size = Double(job.image?.count ?? 0)
        return VerdictRecord(modelVersion: modelVersion, preprocessingProfile: "none",
                             reconstructionError: size / 1000, anomalyScore: -0.4, classifierConfidence: 0.9,
                             reconstructionThreshold: 1, anomalyScoreMin: -0.5, classifierConfidenceMin: 0.5,
                             reconstructionPassed: size / 1000 <= 1, anomalyPassed: true, classifierPassed: true,
                             timings: StageTimings(decodeMs: 0, preprocessMs: 0, verifyMs: 0),
                             preprocessedPNG: job.image ?? [])
    }
}

let args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}
guard let url = option("--database-url") else {
    FileHandle.standardError.write(Data("QueueTestWorker: --database-url is required\n".utf8))
    exit(2)
}
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .info
    return handler
}
// Started before the Worker so its metrics bind to Prometheus (as `sigverify work` does).
let endpoint: OperationsEndpoint?
do {
    endpoint = try option("--metrics-address").map { address throws(OperationsError) in
        try OperationsEndpoint(address: EndpointAddress(parsing: address), databaseURL: url,
                               livenessTimeout: Double(option("--liveness-timeout") ?? "180") ?? 180)
    }
} catch {
    FileHandle.standardError.write(Data("QueueTestWorker: \(error)\n".utf8))
    exit(1)
}
endpoint?.modelLoaded()
let config = WorkerConfiguration(
    databaseURL: url,
    concurrency: Int(option("--concurrency") ?? "1") ?? 1,
    batchSize: Int(option("--batch-size") ?? "8") ?? 8,
    batchBytes: Int(option("--batch-bytes") ?? "") ?? JobQueue.defaultBatchBytes,
    leaseSeconds: Double(option("--lease-seconds") ?? "30") ?? 30,
    batchDeadline: Double(option("--batch-deadline") ?? "") ?? WorkerConfiguration.defaultBatchDeadline,
    shutdownGrace: Double(option("--shutdown-grace") ?? "") ?? WorkerConfiguration.defaultShutdownGrace,
    pollInterval: Double(option("--poll-interval") ?? "0.5") ?? 0.5,
    untilEmpty: args.contains("--until-empty"),
    retryPolicy: RetryPolicy(baseDelay: Double(option("--retry-base") ?? "0.2") ?? 0.2, maxDelay: 5),
    notify: NotifyMode(rawValue: option("--notify") ?? "auto") ?? .auto)
do {
    let worker = try Worker(configuration: config, processor: ScriptedProcessor())
    endpoint?.watch(worker)
    let signals = ShutdownSignals { _ in worker.requestStop() }
    let summary = try worker.run()
    withExtendedLifetime(signals) {}
    endpoint?.shutdown()
    print("succeeded=\(summary.succeeded) failed=\(summary.failed) retried=\(summary.retried) lost=\(summary.lostLease) reconnects=\(summary.reconnects)")
} catch {
    FileHandle.standardError.write(Data("QueueTestWorker: \(error)\n".utf8))
    exit(1)
}
