import Foundation

public enum EnqueueError: Error, CustomStringConvertible {
    case notFound(String)
    case unreadable(String, String)
    case database(PostgresError)

    public var description: String {
        switch self {
        case .notFound(let path): return "no such file or folder: \(path)"
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .database(let error): return "enqueue failed: \(error)"
        }
    }
}

/// `sigverify enqueue PATH...`: files are submitted as they are (the worker judges content);
/// folders are walked recursively for scan files by extension, so a README beside the scans does
/// not become a job. Empty files and files over the queue's size limit are refused up front —
/// reported, never read or sent — so the table's own refusal cannot undo a whole batch.
public struct FileEnqueuer {
    public static let scanExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "dib", "pbm", "pgm", "ppm", "pnm"]

    /// The files to submit, in a stable order: explicit files as given, folder contents sorted.
    public static func collect(_ paths: [String]) throws(EnqueueError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .notFound(path) }
            if !isDirectory.boolValue {
                files.append(path)
                continue
            }
            guard let walker = FileManager.default.enumerator(atPath: path) else { throw .unreadable(path, "cannot list folder") }
            var found: [String] = []
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                guard !name.hasPrefix("."), scanExtensions.contains((name as NSString).pathExtension.lowercased()) else { continue }
                let full = (path as NSString).appendingPathComponent(relative)
                var dir: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue { found.append(full) }
            }
            files += found.sorted()
        }
        return files
    }

    /// A content-type hint from the extension (informational; workers sniff the bytes).
    public static func contentTypeHint(_ path: String) -> String? {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "tif", "tiff": return "image/tiff"
        case "bmp", "dib": return "image/bmp"
        case "pbm", "pgm", "ppm", "pnm": return "image/x-portable-anymap"
        default: return nil
        }
    }

    /// A file that was not submitted, and why.
    public struct Refusal: Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    public struct Summary: Sendable {
        public var jobIds: [Int64] = []
        public var bytes = 0
        public var seconds = 0.0
        /// Files not submitted (empty, or over `maxScanBytes`), in input order.
        public var refused: [Refusal] = []
    }

    /// Why a file of `size` bytes cannot become a job under `limit`, or nil when it can. The same
    /// rule as the table's (migration 0005), checked before the file is read.
    public static func refusal(size: Int, limit: Int) -> String? {
        if size == 0 { return "empty file" }
        if size > limit { return "\(size) bytes is over the limit of \(limit) bytes (\(limit >> 20) MiB)" }
        return nil
    }

    /// Reads and submits the files in batches of `batchSize` (one multi-row INSERT transaction
    /// each, so progress survives an interruption). `external_ref` is the path as given. Files the
    /// queue would refuse (see `refusal`) are listed in `Summary.refused` instead.
    public static func enqueue(files: [String], into queue: JobQueue, batchSize: Int = 500, priority: Int = 0,
                               maxAttempts: Int? = nil, metadataJSON: String? = nil, page: Int = 0,
                               maxScanBytes: Int = JobQueue.defaultMaxScanBytes,
                               progress: (Int) -> Void = { _ in }) throws(EnqueueError) -> Summary {
        var summary = Summary()
        let start = Date()
        var index = 0
        while index < files.count {
            let chunk = files[index..<min(files.count, index + max(1, batchSize))]
            var jobs: [NewJob] = []
            jobs.reserveCapacity(chunk.count)
            for path in chunk {
                if let reason = refusal(size: try fileSize(path), limit: maxScanBytes) {
                    summary.refused.append(Refusal(path: path, reason: reason))
                    continue
                }
                guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path, "not readable") }
                summary.bytes += data.count
                jobs.append(NewJob(image: [UInt8](data), filename: (path as NSString).lastPathComponent,
                                   contentType: contentTypeHint(path), externalRef: path,
                                   metadataJSON: metadataJSON, priority: priority, maxAttempts: maxAttempts, page: page))
            }
            do { summary.jobIds += try queue.enqueue(jobs) } catch { throw .database(error) }
            index += chunk.count
            progress(index)
        }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    private static func fileSize(_ path: String) throws(EnqueueError) -> Int {
        do {
            guard let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber else {
                throw EnqueueError.unreadable(path, "no file size")
            }
            return size.intValue
        } catch {
            throw .unreadable(path, "\(error.localizedDescription)")
        }
    }
}
