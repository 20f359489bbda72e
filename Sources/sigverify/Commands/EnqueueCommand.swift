import ArgumentParser
import Foundation
import JobQueue

/// `sigverify enqueue PATH...`: submit scans (files, or folders of .png/.jpg/.tif) as jobs. Empty,
/// oversized and unreadable files are refused before anything is submitted (named on stderr, exit
/// status 1); the others are still submitted. Each batch commits whole; a database error or
/// SIGTERM/SIGINT/SIGHUP ends the run after the last committed batch with an exact account of it, and
/// re-running the same command queues only what is missing (idempotency keys).
struct EnqueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue", abstract: "Submit scan files or folders to the job queue (batched, idempotent inserts).")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "Scan files, or folders searched recursively for .png/.jpg/.jpeg/.tif/.tiff.")
    var paths: [String]
    @Option(help: "Files per transaction (each commits whole; a stopped run keeps the committed ones).") var batchSize = 500
    @Option(help: "Priority (lower runs first).") var priority = 0
    @Option(help: "JSON object stored as each job's metadata.") var metadata: String?
    @Option(help: "Attempts before a job fails for good (default: the table default, 5).") var maxAttempts: Int?
    @Option(help: "Page of multi-page scans (TIFF) to verify, 0-based.") var page = 0
    @Flag(help: "Submit every file as a new job, without an idempotency key (a re-run then queues them again).")
    var allowDuplicates = false
    @Option(help: "Subject whose enrolled references every signature is matched against (see `sigverify enrol`).")
    var subject: String?

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let metadata, !((try? JSONSerialization.jsonObject(with: Data(metadata.utf8))) is [String: Any]) {
            throw ValidationError("--metadata must be a JSON object, e.g. '{\"batch\": \"2026-11\"}'")
        }
        if let subject { try EnrolCommand.validateSubject(subject) }
    }

    func run() throws {
        database.bootstrapLogging()
        let files = try FileEnqueuer.collect(paths)
        guard !files.isEmpty else { throw ValidationError("no scan files found in \(paths.joined(separator: " "))") }
        let queue = try database.connect()
        let interruption = Interruption()
        let signals = ShutdownSignals { interruption.record($0) }
        let options = EnqueueOptions(batchSize: batchSize, priority: priority, maxAttempts: maxAttempts,
                                     metadataJSON: metadata, page: page, idempotent: !allowDuplicates, subject: subject)
        let limit = try queue.maxScanBytes()
        let summary = withExtendedLifetime(signals) {
            FileEnqueuer.enqueue(files: files, into: queue, options: options, maxScanBytes: limit,
                                 shouldStop: { interruption.signal != nil })
        }
        let report = EnqueueReport(summary: summary, idempotent: !allowDuplicates)
        for line in report.errorLines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        print(report.line)
        if let code = report.exitCode(signal: interruption.signal) { throw ExitCode(code) }
    }
}

/// The first SIGTERM/SIGINT/SIGHUP a run received (a second one exits at once).
final class Interruption: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?

    var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    func record(_ signal: Int32) {
        lock.lock()
        received = received ?? signal
        lock.unlock()
    }
}
