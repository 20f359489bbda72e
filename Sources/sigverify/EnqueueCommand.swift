import ArgumentParser
import Foundation
import JobQueue

/// `sigverify enqueue PATH...`: submit scans (files, or folders of .png/.jpg/.tif) as jobs. Empty
/// files and files over the database's scan limit are refused (named on stderr, exit status 1);
/// the others are still submitted.
struct EnqueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue", abstract: "Submit scan files or folders to the job queue (batched inserts).")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "Scan files, or folders searched recursively for .png/.jpg/.jpeg/.tif/.tiff.")
    var paths: [String]
    @Option(help: "Jobs per INSERT transaction.") var batchSize = 500
    @Option(help: "Priority (lower runs first).") var priority = 0
    @Option(help: "JSON object stored as each job's metadata.") var metadata: String?
    @Option(help: "Attempts before a job fails for good (default: the table default, 5).") var maxAttempts: Int?
    @Option(help: "Page of multi-page scans (TIFF) to verify, 0-based.") var page = 0

    func run() throws {
        database.bootstrapLogging()
        let files = try FileEnqueuer.collect(paths)
        guard !files.isEmpty else { throw ValidationError("no scan files found in \(paths.joined(separator: " "))") }
        let queue = try database.connect()
        let summary = try FileEnqueuer.enqueue(files: files, into: queue, batchSize: batchSize, priority: priority,
                                               maxAttempts: maxAttempts, metadataJSON: metadata, page: page,
                                               maxScanBytes: try queue.maxScanBytes())
        for refusal in summary.refused {
            FileHandle.standardError.write(Data("refused \(refusal.path): \(refusal.reason)\n".utf8))
        }
        let rate = summary.seconds > 0 ? Double(summary.jobIds.count) / summary.seconds : 0
        let range = summary.jobIds.first.map { "\($0)…\(summary.jobIds.last!)" } ?? "-"
        print("enqueued \(summary.jobIds.count) scans (\(String(format: "%.1f", Double(summary.bytes) / 1_048_576)) MB) in "
              + "\(String(format: "%.2f", summary.seconds)) s (\(Int(rate)) scans/s); job ids \(range)"
              + (summary.refused.isEmpty ? "" : "; \(summary.refused.count) refused"))
        if !summary.refused.isEmpty { throw ExitCode(1) }
    }
}
