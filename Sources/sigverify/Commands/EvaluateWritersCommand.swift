import ArgumentParser
import Foundation
import Training
import WriterVerification

/// `sigverify evaluate-writers LISTING --references N`: the writer-verification protocol's error
/// figures per dataset at the writer model's threshold, the reference-count curve, and a ROC picture.
struct EvaluateWritersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-writers",
        abstract: "Measure the writer model: skilled and random EER, FRR and FAR at its threshold, per dataset.",
        discussion: """
            LISTING is a folder laid out like ../shared/data/writers (its WRITERS.tsv is read) or a listing with \
            path/file, writer and kind columns (WRITERS.tsv, data/all-split.tsv). Per writer, N genuine signatures \
            (a seeded draw) are the references; questioned are the writer's other genuine signatures, the skilled \
            forgeries of them and one genuine signature of each of up to --random-writers other writers of the same \
            dataset. Writers with N or fewer genuine signatures are skipped. --split keeps only the writers of one \
            part of the listing's split column (test: writers no training step saw).
            """)

    @Argument(help: "A writers folder (its WRITERS.tsv) or a listing file.")
    var listing: String

    @Option(name: .long, help: "Genuine references per writer.") var references = 5
    @Option(name: .long, help: "Writer model bundle (default: models/writer beside the executable).") var writerModel: String?
    @Option(name: .long, help: "Folder for report.json and roc.png.") var out: String?
    @Option(name: .long, help: "Only writers of this split (train, validation, test).") var split: String?
    @Option(name: .long, help: "Only this dataset (repeatable).") var dataset: [String] = []
    @Option(name: .long, help: "Folder the listing's relative paths are under.") var scanRoot: String?
    @Option(name: .long, help: "Reference counts for the curve, comma-separated.") var curve = "12,5,3,1"
    @Option(name: .long, help: "Random forgeries per writer (other writers' genuine signatures).") var randomWriters = 10
    @Option(name: .long, help: "Also write every scan's embedding to this TSV file (path, dataset, writer, kind, split, embedding).")
    var embeddings: String?

    func validate() throws {
        guard references >= 1 else { throw ValidationError("--references must be at least 1") }
        if let split, DataRole(parsing: split) == nil { throw ValidationError("--split must be train, validation or test") }
    }

    func run() throws {
        let model: WriterModel
        do { model = try WriterModel.load(from: try ModelLocation.resolveWriter(writerModel)) } catch { throw CommandFailure("\(error)") }
        let role = split.flatMap(DataRole.init(parsing:))
        let scans = try WriterListing.read(listing, root: scanRoot)
            .filter { (role == nil || $0.role == role) && (dataset.isEmpty || dataset.contains($0.dataset)) }
        let (prepared, skipped) = PreparedWriterScans.prepare(scans, preprocessing: model.preprocessing)
        skipped.forEach { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        let counts = curve.split(separator: ",").compactMap { Int($0) }
        let vectors = try prepared.embeddings(model.network)
        if let embeddings { try WriterEmbeddingTable.write(prepared.scans, vectors, to: embeddings) }
        let (evaluation, trials) = try WriterEvaluation.run(prepared, model: model, references: references, curve: counts,
                                                            randomWriters: randomWriters, embeddings: vectors)
        WriterEvaluationTable.print(evaluation)
        if let out {
            let fonts: FontLibrary
            do { fonts = try FontLibrary() } catch { throw CommandFailure("pictures need a font: \(error)") }
            for path in try evaluation.write(to: out, trials: trials, fonts: fonts) { print("wrote \(path)") }
        }
    }
}
