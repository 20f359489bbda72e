import Foundation

/// One scan of a writer collection: whose signature it is (or imitates), and whether it is genuine.
public struct WriterScan: Sendable, Equatable {
    public var path: String
    /// The collection it belongs to (`dataset` column, else `source`): figures are per dataset.
    public var dataset: String
    /// The writer whose signature this is or imitates, unique over the listing (`source/writer`).
    public var writer: String
    /// Genuine signature of `writer` (false: a skilled forgery of it).
    public var genuine: Bool
    /// Its part of a recorded split, when the listing has a `split` column.
    public var role: DataRole?

    public init(path: String, dataset: String, writer: String, genuine: Bool, role: DataRole? = nil) {
        (self.path, self.dataset, self.writer, self.genuine, self.role) = (path, dataset, writer, genuine, role)
    }
}

/// Reads writer listings: `WRITERS.tsv` of `../shared/data/writers` (path, source, writer, kind) or a
/// labels file with writer columns such as `data/all-split.tsv` (file, label, source, writer, split,
/// dataset, kind). Rows need a path, a writer and a kind of `genuine` or `forgery`; rows labelled other
/// than `valid`, without a writer or of another kind are left out. A folder means its `WRITERS.tsv`.
public enum WriterListing {
    public static func read(_ path: String, root: String? = nil) throws -> [WriterScan] {
        var isDir: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
            ? (path as NSString).appendingPathComponent("WRITERS.tsv") : path
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw DatasetError.cannotRead(path: file, reason: error.localizedDescription)
        }
        let base = root ?? (file as NSString).deletingLastPathComponent
        let rows = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        guard let head = rows.first else { throw DatasetError.empty(file) }
        let header = head.split(separator: "\t", omittingEmptySubsequences: false).map { $0.lowercased() }
        func column(_ names: [String]) -> Int? { header.firstIndex { names.contains($0) } }
        guard let pathCol = column(["path", "file"]) else { throw DatasetError.labelsMissingColumn(path: file, column: "path", header: header) }
        guard let writerCol = column(["writer"]) else { throw DatasetError.labelsMissingColumn(path: file, column: "writer", header: header) }
        guard let kindCol = column(["kind"]) else { throw DatasetError.labelsMissingColumn(path: file, column: "kind", header: header) }
        let (sourceCol, datasetCol, splitCol, labelCol) = (column(["source"]), column(["dataset"]), column(["split"]), column(["label"]))
        var out: [WriterScan] = []
        for (n, row) in rows.dropFirst().enumerated() {
            let cols = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            func value(_ c: Int?) -> String? { c.flatMap { $0 < cols.count && !cols[$0].isEmpty ? cols[$0] : nil } }
            guard let rel = value(pathCol), let writer = value(writerCol), let kind = value(kindCol),
                  kind == "genuine" || kind == "forgery", value(labelCol).map({ $0 == "valid" }) ?? true else { continue }
            let source = value(sourceCol) ?? "writers"
            var role: DataRole?
            if let s = value(splitCol) {
                guard let r = DataRole(parsing: s) else {
                    throw DatasetError.labelsBadRow(path: file, line: n + 2, reason: "unknown split '\(s)'")
                }
                role = r
            }
            let full = rel.hasPrefix("/") ? rel : (base as NSString).appendingPathComponent(rel)
            out.append(WriterScan(path: full, dataset: value(datasetCol) ?? source, writer: "\(source)/\(writer)",
                                  genuine: kind == "genuine", role: role))
        }
        guard !out.isEmpty else { throw DatasetError.empty("no genuine or forgery rows with a writer in \(file)") }
        return out
    }
}
