import Foundation

/// The two classes: a signature (valid) or anything else (invalid).
public enum SampleLabel: String, Codable, Sendable, CaseIterable {
    case valid
    case invalid

    /// Reads the spellings labelled data sets use: valid/genuine/signature/true/yes/1 and
    /// invalid/non-signature/nonsignature/false/no/0 (case-insensitive); nil otherwise.
    public init?(parsing text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "valid", "genuine", "signature", "true", "yes", "1", "pos", "positive": self = .valid
        case "invalid", "non-signature", "nonsignature", "non_signature", "not-signature", "false", "no", "0", "neg",
             "negative": self = .invalid
        default: return nil
        }
    }

    public var isValid: Bool { self == .valid }
}

/// Which part of a fixed, recorded split a file belongs to (the `split` column of a LABELS.tsv):
/// `train` fits the networks, `validation` drives early stopping and calibration, `test` is touched
/// only by `evaluate` — `train` leaves test rows out.
public enum DataRole: String, Sendable, Equatable, CaseIterable, Codable {
    case train
    case validation
    case test

    /// Reads `train`/`training`, `validation`/`val` and `test`/`heldout` (case-insensitive; `valid` is a label, not a split).
    public init?(parsing text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "train", "training": self = .train
        case "validation", "val": self = .validation
        case "test", "heldout", "held-out": self = .test
        default: return nil
        }
    }
}

/// One image file of a data set with its label and where it came from.
public struct LabeledFile: Sendable, Equatable {
    public var path: String
    public var label: SampleLabel
    /// The collection it came from (a folder name or the `source` column): per-source metrics.
    public var source: String
    /// Who wrote it, when known (`writer` column): for writer-disjoint splits.
    public var writer: String?
    /// Its part of a recorded split (`split` column), when the listing fixes one.
    public var role: DataRole?
    /// Every column of its LABELS.tsv row (e.g. `license`), by header name.
    public var fields: [String: String]

    public init(path: String, label: SampleLabel, source: String, writer: String? = nil, role: DataRole? = nil,
                fields: [String: String] = [:]) {
        self.path = path
        self.label = label
        self.source = source
        self.writer = writer
        self.role = role
        self.fields = fields
    }
}

/// Why a data set listing could not be read.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case cannotList(path: String, reason: String)
    case cannotRead(path: String, reason: String)
    case labelsMissingColumn(path: String, column: String, header: [String])
    case labelsBadRow(path: String, line: Int, reason: String)
    case empty(String)

    public var description: String {
        switch self {
        case .cannotList(let path, let reason): return "cannot list \(path): \(reason)"
        case .cannotRead(let path, let reason): return "cannot read \(path): \(reason)"
        case .labelsMissingColumn(let path, let column, let header):
            return "\(path): no '\(column)' column (header: \(header.joined(separator: ", ")))"
        case .labelsBadRow(let path, let line, let reason): return "\(path):\(line): \(reason)"
        case .empty(let what): return "no images found: \(what)"
        }
    }
}

/// Finds labelled images: whole folders of one class, or a `LABELS.tsv` listing.
public enum DatasetListing {
    /// File extensions taken as images when listing a folder (the decoder still checks contents).
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff"]

    /// Every image file under `directory` (recursively, sorted by path) with `label`; the source is
    /// the folder's own name. Other files (README, LABELS.tsv, …) are ignored.
    public static func folder(_ directory: String, label: SampleLabel) throws -> [LabeledFile] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError.cannotList(path: directory, reason: "not a directory")
        }
        guard let walker = fm.enumerator(atPath: directory) else {
            throw DatasetError.cannotList(path: directory, reason: "cannot be read")
        }
        let source = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        var out: [LabeledFile] = []
        while let rel = walker.nextObject() as? String {
            let ext = (rel as NSString).pathExtension.lowercased()
            guard imageExtensions.contains(ext) else { continue }
            out.append(LabeledFile(path: (directory as NSString).appendingPathComponent(rel), label: label, source: source))
        }
        return out.sorted { $0.path < $1.path }
    }

    /// Reads a tab-separated labels file. The first line is a header naming the columns; a file
    /// column (`file`, `path`, `filename` or `image`) and a label column (`label` or `class`) are
    /// required, `source`, `writer` and `split` (a `DataRole`) are used when present, and all columns
    /// are kept in `fields`. Relative paths are resolved against `root` when given, else against the
    /// file's folder. Blank lines and lines starting with `#` are skipped.
    public static func labelsFile(_ path: String, root: String? = nil) throws -> [LabeledFile] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DatasetError.cannotRead(path: path, reason: error.localizedDescription)
        }
        let base = root ?? (path as NSString).deletingLastPathComponent
        var header: [String]?
        var fileCol = 0, labelCol = 0
        var sourceCol: Int?, writerCol: Int?, splitCol: Int?
        var out: [LabeledFile] = []
        // `isNewline` splits "\n" and "\r\n" alike (in Swift, "\r\n" is one Character).
        for (n, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(rawLine)
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard let names = header else {
                let lower = cols.map { $0.lowercased() }
                guard let f = lower.firstIndex(where: { ["file", "path", "filename", "image"].contains($0) }) else {
                    throw DatasetError.labelsMissingColumn(path: path, column: "file", header: cols)
                }
                guard let l = lower.firstIndex(where: { ["label", "class"].contains($0) }) else {
                    throw DatasetError.labelsMissingColumn(path: path, column: "label", header: cols)
                }
                fileCol = f
                labelCol = l
                sourceCol = lower.firstIndex(of: "source")
                writerCol = lower.firstIndex(of: "writer")
                splitCol = lower.firstIndex(of: "split")
                header = lower
                continue
            }
            guard cols.count > max(fileCol, labelCol) else {
                throw DatasetError.labelsBadRow(path: path, line: n + 1, reason: "\(cols.count) columns, header has \(names.count)")
            }
            guard let label = SampleLabel(parsing: cols[labelCol]) else {
                throw DatasetError.labelsBadRow(path: path, line: n + 1, reason: "unknown label '\(cols[labelCol])'")
            }
            let file = cols[fileCol]
            guard !file.isEmpty else { throw DatasetError.labelsBadRow(path: path, line: n + 1, reason: "empty file name") }
            var fields: [String: String] = [:]
            for (i, name) in names.enumerated() where i < cols.count { fields[name] = cols[i] }
            let source = sourceCol.flatMap { $0 < cols.count && !cols[$0].isEmpty ? cols[$0] : nil }
                ?? URL(fileURLWithPath: base).lastPathComponent
            let writer = writerCol.flatMap { $0 < cols.count && !cols[$0].isEmpty ? cols[$0] : nil }
            var role: DataRole?
            if let c = splitCol, c < cols.count, !cols[c].isEmpty {
                guard let r = DataRole(parsing: cols[c]) else {
                    throw DatasetError.labelsBadRow(path: path, line: n + 1, reason: "unknown split '\(cols[c])' (train, validation, test)")
                }
                role = r
            }
            let full = file.hasPrefix("/") ? file : (base as NSString).appendingPathComponent(file)
            out.append(LabeledFile(path: full, label: label, source: source, writer: writer, role: role, fields: fields))
        }
        guard header != nil else { throw DatasetError.labelsMissingColumn(path: path, column: "file", header: []) }
        return out
    }
}
