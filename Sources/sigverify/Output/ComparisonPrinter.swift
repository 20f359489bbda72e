import Foundation
import ScanPipeline
import Verifier
import WriterVerification

/// Prints `compare`'s results: a table, or one JSON object per questioned file.
struct ComparisonPrinter {
    let json: Bool
    let writer: WriterModel
    let verifier: ScanVerifier
    let references: Int
    let fileColumn: Int

    init(json: Bool, writer: WriterModel, verifier: ScanVerifier, references: Int, files: [String]) {
        (self.json, self.writer, self.verifier, self.references) = (json, writer, verifier, references)
        fileColumn = min(80, max(4, files.map(\.count).max() ?? 4))
    }

    func header() {
        guard !json else { return }
        print("writer model \(writer.folder.path)  version \(writer.version)  threshold \(ResultLines.format(writer.threshold))"
            + "  \(references) references;  model version \(verifier.modelVersion)")
        print(ResultLines.pad("FILE", fileColumn) + "  MATCH_SCORE  MATCH  VERDICT")
    }

    func result(file: String, score: Double, _ v: Verification) {
        let match = score >= writer.threshold
        guard !json else {
            ResultLines.emit(ResultLines.fields(v, profileName: verifier.profile.name).merging([
                "file": file, "match_score": score, "match": match, "match_threshold": writer.threshold,
                "writer_model_version": writer.version, "references": references,
            ]) { _, new in new })
            return
        }
        print(ResultLines.pad(file, fileColumn) + "  " + ResultLines.pad(String(format: "%.4f", score), 11) + "  "
            + ResultLines.pad(match ? "yes" : "no", 5) + "  " + v.verdict.rawValue)
    }

    func failure(file: String, _ error: Error) {
        if json {
            ResultLines.emit(["file": file, "error": "\(error)"])
        } else {
            print(ResultLines.pad(file, fileColumn) + "  error  \(error)")
        }
    }
}
