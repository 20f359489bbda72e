import Foundation

public enum EnqueueError: Error, Sendable, CustomStringConvertible {
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
/// not become a job. Files that cannot become a job — empty, over the queue's size limit,
/// unreadable, or with a path longer than an `external_ref` may be — are refused up front, before
/// anything is submitted, so the table's own refusal cannot undo a batch and an unreadable file
/// cannot stop a run halfway (one that fails to read later is refused then, the run goes on).
///
/// Re-running is safe: each file is submitted with the idempotency key the database derives from
/// its bytes, page and path (`IdempotencyKey.derived`), so a file already queued by an earlier,
/// interrupted or failed run returns its existing job instead of a duplicate.
public struct FileEnqueuer {
    public static let scanExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "dib", "pbm", "pgm", "ppm", "pnm"]

    /// The files to submit, in a stable order: explicit files as given, folder contents sorted.
    public static func collect(_ paths: [String]) throws(EnqueueError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .notFound(path) }
            files += isDirectory.boolValue ? try scanFiles(in: path) : [path]
        }
        return files
    }

    /// The scan files under `folder`, recursively, sorted; hidden files skipped.
    private static func scanFiles(in folder: String) throws(EnqueueError) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { throw .unreadable(folder, "cannot list folder") }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            guard !name.hasPrefix("."), scanExtensions.contains((name as NSString).pathExtension.lowercased()) else { continue }
            let full = (folder as NSString).appendingPathComponent(relative)
            var dir: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue { found.append(full) }
        }
        return found.sorted()
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

    /// Why a file of `size` bytes cannot become a job under `limit`, or nil when it can. The same
    /// rule as the table's (migration 0005), checked before the file is read.
    public static func refusal(size: Int, limit: Int) -> String? {
        if size == 0 { return "empty file" }
        if size > limit { return "\(size) bytes is over the limit of \(limit) bytes (\(limit >> 20) MiB)" }
        return nil
    }

    /// Splits `files` into those that can be submitted and those refused (empty, over `limit`,
    /// unreadable, path over `JobQueue.maxReferenceBytes`), each in input order. Nothing is read beyond the file's metadata.
    public static func screen(_ files: [String], limit: Int) -> (accepted: [String], refused: [Refusal]) {
        var accepted: [String] = [], refused: [Refusal] = []
        for path in files {
            if let reason = refusal(path, limit: limit) {
                refused.append(Refusal(path: path, reason: reason))
            } else {
                accepted.append(path)
            }
        }
        return (accepted, refused)
    }

    private static func refusal(_ path: String, limit: Int) -> String? {
        if path.utf8.count > JobQueue.maxReferenceBytes {
            return "the path (its external_ref) is \(path.utf8.count) bytes, over the limit of \(JobQueue.maxReferenceBytes) bytes"
        }
        let size: Int
        do { size = try fileSize(path) } catch { return error.reason }
        if let reason = refusal(size: size, limit: limit) { return reason }
        return FileManager.default.isReadableFile(atPath: path) ? nil : "not readable (permission denied)"
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

extension EnqueueError {
    /// The reason without the path (for a refusal line that names the path itself).
    var reason: String {
        switch self {
        case .unreadable(_, let reason): return reason
        default: return description
        }
    }
}
