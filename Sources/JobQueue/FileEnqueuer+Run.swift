import Foundation

/// What every file of one `sigverify enqueue` run is submitted with.
public struct EnqueueOptions: Sendable, Equatable {
    /// Files per transaction: each batch commits whole or not at all.
    public var batchSize: Int
    public var priority: Int
    public var maxAttempts: Int?
    public var metadataJSON: String?
    public var page: Int
    /// true: each file carries `IdempotencyKey.derived`, so a re-run creates no duplicates;
    /// false: every run creates new jobs.
    public var idempotent: Bool
    /// The subject every file's signature is matched against (`enqueue --subject`; nil: none).
    public var subject: String?

    public init(batchSize: Int = 500, priority: Int = 0, maxAttempts: Int? = nil, metadataJSON: String? = nil,
                page: Int = 0, idempotent: Bool = true, subject: String? = nil) {
        self.subject = subject
        self.batchSize = batchSize
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.metadataJSON = metadataJSON
        self.page = page
        self.idempotent = idempotent
    }
}

/// Why a run stopped before submitting every accepted file.
public enum EnqueueStop: Error, Sendable, CustomStringConvertible {
    case failed(EnqueueError)
    /// A stop was requested (SIGTERM/SIGINT): the batch being read was not sent.
    case interrupted

    public var description: String {
        switch self {
        case .failed(let error): return "\(error)"
        case .interrupted: return "interrupted"
        }
    }
}

extension FileEnqueuer {
    /// What a run did, exactly: every committed batch's jobs, and what was not submitted.
    public struct Summary: Sendable {
        /// Jobs this run created, in input order.
        public var created: [Int64] = []
        /// Files whose idempotency key was already queued (an earlier run, or the same file twice).
        public var alreadyQueued: [Int64] = []
        public var bytes = 0
        public var seconds = 0.0
        /// Files not submitted (empty, over `maxScanBytes`, unreadable, path too long), in input order.
        public var refused: [Refusal] = []
        /// Accepted files the run did not reach because it stopped; nil `stop`: none.
        public var notSubmitted: [String] = []
        public var stop: EnqueueStop?
    }

    /// Screens the files (see `screen`), then reads and submits the accepted ones in batches of
    /// `options.batchSize`, one transaction each. Never throws: an error or a stop request ends the
    /// run after the last committed batch, and the summary says what was committed and what not.
    /// `shouldStop` is asked before each file is read.
    public static func enqueue(files: [String], into queue: JobQueue, options: EnqueueOptions = EnqueueOptions(),
                               maxScanBytes: Int = JobQueue.defaultMaxScanBytes, shouldStop: () -> Bool = { false },
                               progress: (Int) -> Void = { _ in }) -> Summary {
        let start = Date()
        let (accepted, refused) = screen(files, limit: maxScanBytes)
        var summary = Summary(refused: refused)
        var index = 0
        while index < accepted.count {
            let chunk = accepted[index..<min(accepted.count, index + max(1, options.batchSize))]
            do throws(EnqueueStop) {
                let jobs = try read(chunk, options, shouldStop: shouldStop, refused: &summary.refused)
                let submitted: [EnqueuedJob]
                do { submitted = try queue.submit(jobs) } catch { throw EnqueueStop.failed(.database(error)) }
                summary.record(submitted, bytes: jobs.reduce(0) { $0 + $1.image.count })
            } catch {
                summary.stop = error
                break
            }
            index += chunk.count
            progress(index)
        }
        summary.notSubmitted = Array(accepted[index...])
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// The batch's files as jobs (`external_ref` is the path as given); a file that cannot be read
    /// after all (changed since it was screened) is refused, not fatal.
    private static func read(_ paths: ArraySlice<String>, _ options: EnqueueOptions, shouldStop: () -> Bool,
                             refused: inout [Refusal]) throws(EnqueueStop) -> [NewJob] {
        var jobs: [NewJob] = []
        jobs.reserveCapacity(paths.count)
        for path in paths {
            if shouldStop() { throw .interrupted }
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                refused.append(Refusal(path: path, reason: "not readable (read failed)"))
                continue
            }
            jobs.append(NewJob(image: [UInt8](data), filename: (path as NSString).lastPathComponent,
                               contentType: contentTypeHint(path), externalRef: path, metadataJSON: options.metadataJSON,
                               priority: options.priority, maxAttempts: options.maxAttempts, page: options.page,
                               idempotencyKey: options.idempotent ? .derived : nil, subject: options.subject))
        }
        return jobs
    }
}

extension FileEnqueuer.Summary {
    mutating func record(_ submitted: [EnqueuedJob], bytes: Int) {
        for job in submitted {
            if job.created { created.append(job.id) } else { alreadyQueued.append(job.id) }
        }
        self.bytes += bytes
    }
}
