import ArgumentParser
import Foundation
import Imaging
import ScanPipeline
import WriterVerification

/// `sigverify compare --references R… [--] QUESTIONED…`: each questioned scan's match score against the
/// references under the writer model, the match decision at its threshold, and the scan's own
/// three-criterion verdict (as `verify`).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare questioned signatures with a subject's reference signatures.",
        discussion: """
            The reference list ends at the next option or at `--`: `compare --json --references R1 R2 -- Q1 Q2`. \
            Per questioned file: file (as given), match_score in [0, 1] (higher = same writer), match \
            (match_score ≥ the writer model's threshold) and the three-criterion verdict of that file; with \
            --json one object per line (a file that could not be read: file and error). A reference that cannot \
            be read is named on stderr and left out; the others are used. Exit status 0 when every file was read \
            and compared (whatever the decisions); 1 when any reference or questioned file could not be read, \
            decoded or preprocessed (the rest are still compared and printed), when no reference could be read, \
            or when a model cannot be loaded; 64 for a usage error.
            """)

    @Option(name: .long, parsing: .upToNextOption, help: "Reference signatures of the subject (ends at the next option or --).")
    var references: [String] = []

    @Argument(help: "Questioned scan files.")
    var questioned: [String] = []

    @Option(name: .long, help: "Model bundle for the three-criterion verdict (default: the bundled default model).")
    var model: String?

    @Option(name: .long, help: "Writer model bundle (default: models/writer beside the executable).")
    var writerModel: String?

    @Flag(name: .long, help: "Print one JSON object per line instead of a table.")
    var json = false

    @OptionGroup var scanBudget: ScanBudgetOptions

    func validate() throws {
        guard !references.isEmpty else { throw ValidationError("give at least one reference: --references R1 R2 … --") }
        guard !questioned.isEmpty else { throw ValidationError("give at least one questioned file (after -- or another option)") }
    }

    func run() throws {
        let writer: WriterModel, scanVerifier: ScanVerifier
        do {
            writer = try WriterModel.load(from: try ModelLocation.resolveWriter(writerModel))
            scanVerifier = try ScanVerifier(modelFolder: try ModelLocation.resolve(model), budget: scanBudget.budget)
        } catch {
            throw CommandFailure("\(error)")
        }
        let options = DecodeOptions(maxPixels: scanBudget.budget.maxPixels, maxDecodeSeconds: scanBudget.budget.maxDecodeSeconds)
        var failures = 0
        var specimens: [[Float]] = []
        for (path, result) in zip(references, writer.embeddings(ofFiles: references, options: options)) {
            switch result {
            case .success(let e): specimens.append(e)
            case .failure(let error):
                failures += 1
                FileHandle.standardError.write(Data("error: reference \(path): \(error)\n".utf8))
            }
        }
        guard !specimens.isEmpty else { throw CommandFailure("no reference could be read") }
        let printer = ComparisonPrinter(json: json, writer: writer, verifier: scanVerifier, references: specimens.count, files: questioned)
        printer.header()
        let verdicts = scanVerifier.run(questioned.map { ScanSource.file($0) })
        for case .failure(.verifierFailed(let error)) in verdicts { throw error }
        let embeddings = writer.embeddings(ofFiles: questioned, options: options)
        for (file, (verdict, embedding)) in zip(questioned, zip(verdicts, embeddings)) {
            do {
                let score = writer.matchScore(questioned: try embedding.get(), references: specimens)
                printer.result(file: file, score: score, try verdict.get().verification)
            } catch {
                failures += 1
                printer.failure(file: file, error)
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
