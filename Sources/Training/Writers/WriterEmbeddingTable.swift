import Foundation

/// Every scan's writer embedding as a TSV file (`evaluate-writers --embeddings`), for studying
/// match scores outside the program: one row per scan — path, dataset, writer, kind (`genuine` or
/// `forgery`), split (empty without one), then the embedding's values separated by commas.
public enum WriterEmbeddingTable {
    public static let header = "path\tdataset\twriter\tkind\tsplit\tembedding"

    public static func write(_ scans: [WriterScan], _ embeddings: [[Float]], to path: String) throws {
        precondition(scans.count == embeddings.count, "one embedding per scan")
        var text = header + "\n"
        for (scan, e) in zip(scans, embeddings) {
            let values = e.map { "\($0)" }.joined(separator: ",")
            text += [scan.path, scan.dataset, scan.writer, scan.genuine ? "genuine" : "forgery", scan.role?.rawValue ?? "", values]
                .joined(separator: "\t") + "\n"
        }
        try OutputFiles.write(Data(text.utf8), to: path)
    }
}
