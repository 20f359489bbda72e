import ArgumentParser
import Foundation
import JobQueue
import Logging
import NeuralNet
import Operations
import Preprocessing
import ScanPipeline
import Verifier
import Worker

/// `sigverify work`: a worker process — claim batches, verify them, write verdicts; until
/// SIGTERM/SIGINT/SIGHUP (graceful: the batch in flight is finished within --shutdown-grace) or, with
/// --until-empty, until the queue is drained.
struct WorkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work", abstract: "Run a worker: claim queued scans, verify them, record verdicts.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Model bundle folder (default: the bundled default model).") var model: String?
    @Option(help: "Writer-embedding model folder matching jobs with a subject (default: $SIGVERIFY_WRITER_MODEL_DIR, else models/writer beside the executable; none found: their match is NULL, reason \"no writer model loaded\").")
    var writerModel: String?
    @Flag(help: "Match no job against its subject's references (their match is NULL, reason \"no writer model loaded\").")
    var noWriterModel = false
    @Option(help: "Claim/process loops in this process.") var concurrency = 1
    @Option(help: "Scans claimed and verified per batch.") var batchSize = 32
    @Option(help: "Scan bytes claimed per batch at most (one scan is always claimed).") var batchBytes = JobQueue.defaultBatchBytes
    @OptionGroup var scanBudget: ScanBudgetOptions
    @Option(help: "Seconds a loop may hold a batch without progress (at least two leases) before the worker gives its jobs up and exits 1.")
    var batchDeadline = WorkerConfiguration.defaultBatchDeadline
    @Option(help: "Seconds SIGTERM waits for batches in flight before exiting anyway (their leases run out).")
    var shutdownGrace = WorkerConfiguration.defaultShutdownGrace
    @Option(help: "Lease length in seconds (extended by a heartbeat every third of it).") var leaseSeconds = 30.0
    @Option(help: "Seconds between polls when no NOTIFY arrives.") var pollInterval = 5.0
    @Option(help: "First retry delay in seconds for transient failures and reaped jobs (doubles per attempt, capped at 5 min).")
    var retryBase = 2.0
    @Option(help: "Largest scan accepted, in bytes (larger ones are not fetched; their jobs fail).") var maxScanBytes = VerifyingScanProcessor.defaultMaxScanBytes
    @Option(help: "Longest a database statement may run, in seconds (0: the server's setting; a URL's own options win).")
    var statementTimeout = 60.0
    @Flag(help: "Exit 0 once nothing is queued or running.") var untilEmpty = false
    @Option(help: "Refuse to start unless the model bundle has this version (the 16 hex digits in every verdict row).")
    var expectModelVersion: String?
    // MARK: Operations (issue 14): --metrics-address, --liveness-timeout, --notify (WorkCommand+Operations.swift)
    @OptionGroup var operations: OperationsOptions

    func validate() throws {
        guard statementTimeout >= 0 else { throw ValidationError("--statement-timeout must be 0 (the server's setting) or more seconds") }
        guard batchBytes >= 1 else { throw ValidationError("--batch-bytes must be positive") }
        guard shutdownGrace >= 0 else { throw ValidationError("--shutdown-grace must not be negative") }
        guard batchDeadline > 0 else { throw ValidationError("--batch-deadline must be positive") }
        guard writerModel == nil || !noWriterModel else { throw ValidationError("--writer-model and --no-writer-model exclude each other") }
    }

    func run() throws {
        database.bootstrapLogging()
        let logger = Logger(label: "sigverify.worker")
        logger.info("OpenBLAS \(BLAS.kernelReport)")
        let endpoint = try operations.startEndpoint(databaseURL: try database.resolvedURL())  // before the model loads
        defer { endpoint?.shutdown() }
        let scanVerifier = try ScanVerifier(modelFolder: try ModelLocation.resolve(model), maxBatch: batchSize,
                                            budget: scanBudget.budget)
        let version = scanVerifier.modelVersion
        if let expected = expectModelVersion, expected != version {
            throw CommandFailure("model bundle \(scanVerifier.bundle.folder.path) has version \(version), "
                + "not \(expected) (--expect-model-version); refusing to start")
        }
        if let warning = scanVerifier.bundle.manifestWarning { logger.warning("\(warning)") }
        try database.refuseNewerSchema(settings: ConnectionSettings(statementTimeoutSeconds: statementTimeout))
        endpoint?.modelLoaded()
        let matcher = try WriterModelOption.load(writerModel, disabled: noWriterModel)
        logger.info("writer model: \(matcher.map { "version \($0.version), threshold \($0.threshold)" } ?? "none (jobs with a subject get no match)")")
        let processor = VerifyingScanProcessor(scanVerifier: scanVerifier, maxScanBytes: maxScanBytes, matcher: matcher)
        let config = WorkerConfiguration(databaseURL: try database.resolvedURL(), concurrency: concurrency,
                                         batchSize: batchSize, batchBytes: batchBytes, leaseSeconds: leaseSeconds,
                                         batchDeadline: batchDeadline, shutdownGrace: shutdownGrace, pollInterval: pollInterval,
                                         untilEmpty: untilEmpty, retryPolicy: RetryPolicy(baseDelay: retryBase, maxDelay: 300),
                                         maxScanBytes: maxScanBytes,
                                         connection: ConnectionSettings(statementTimeoutSeconds: statementTimeout),
                                         notify: operations.notify)
        let worker = try Worker(configuration: config, processor: processor)
        endpoint?.watch(worker)
        let signals = ShutdownSignals { _ in worker.requestStop() }
        let summary = try worker.run()
        withExtendedLifetime(signals) {}
        print("worker \(config.workerId): \(summary.succeeded) verdicts, \(summary.failed) failed, "
              + "\(summary.retried) retries, \(summary.lostLease) lost leases, \(summary.reconnects) reconnects")
    }
}
