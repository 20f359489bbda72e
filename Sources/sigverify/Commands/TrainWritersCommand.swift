import ArgumentParser
import Foundation
import Preprocessing
import Training
import WriterVerification

/// `sigverify train-writers`: trains the writer-embedding model on the train writers of a listing,
/// chooses its threshold on the validation writers and writes the bundle.
struct TrainWritersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-writers",
        abstract: "Train the writer-verification model (writer embedding + forgery head).",
        discussion: """
            Reads a listing with writer and kind columns and a split column (data/all-split.tsv, or WRITERS.tsv \
            with one), trains on the train writers, keeps the epoch with the lowest validation skilled + random \
            EER under the bundle's --scoring and sets the threshold on the validation writers. Test writers are \
            not read.
            """)

    @Option(name: .long, help: "Listing with path/file, writer, kind, split (and dataset) columns.")
    var labels: String

    @Option(name: .long, help: "Folder the listing's relative paths are under (default: the listing's folder).")
    var scanRoot: String?

    @Option(name: .long, help: "Output bundle folder.")
    var out: String

    @Option(name: .long, help: "Leave this dataset out of training and validation (repeatable).")
    var excludeDataset: [String] = []

    @Option(name: .long, help: "Epochs.") var epochs = 8
    @Option(name: .long, help: "λ of (1 − λ)·writer loss + λ·forgery loss.") var forgeryWeight: Float = 0.9
    @Option(name: .long, help: "Adam learning rate.") var learningRate: Float = 1e-3
    @Option(name: .long, help: "Input height.") var height = 64
    @Option(name: .long, help: "Input width.") var width = 128
    @Option(name: .long, help: "Embedding size.") var embedding = 256
    @Option(name: .long, help: "Convolution widths, comma-separated.") var channels = "16,32,64,128"
    @Option(name: .long, help: "Share of validation genuine trials the threshold may reject.") var targetFrr = 0.05
    @Option(name: .long, help: "Random seed.") var seed: UInt64 = 7
    @Option(name: .long, help: "How a match is scored: relative_to_references (the mean cosine to the references less theirs among themselves) or mean_cosine.")
    var scoring = WriterScoring.relativeToReferences.rawValue
    @Option(name: .long, help: "Largest random change of an input's size each way while training (0.1: 0.9–1.1×; 0: none).")
    var augmentScale = 0.0
    @Option(name: .long, help: "Largest random rotation of an input each way while training, in degrees (0: none).")
    var augmentRotation = 0.0
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a parameter of the input's `clean` preprocessing "
                                                         + "(repeatable; recorded in the bundle).", valueName: "NAME=VALUE"))
    var overrides: [String] = []

    func validate() throws {
        guard WriterScoring(rawValue: scoring) != nil else {
            throw ValidationError("--scoring must be one of " + WriterScoring.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard (0..<1).contains(augmentScale) else { throw ValidationError("--augment-scale must be in [0, 1)") }
        guard (0...45).contains(augmentRotation) else { throw ValidationError("--augment-rotation must be 0–45 degrees") }
    }

    func run() throws {
        let started = Date()
        var run = WriterTrainingRun(listing: labels, scanRoot: scanRoot)
        run.excludedDatasets = Set(excludeDataset)
        let defaults = PreprocessingProfile.clean.parameters
        let preprocessing = try PreprocessingProfile.clean.adjusted(version: nil, overrides: overrides).parameters
            .filter { defaults[$0.key] != $0.value }
        run.parameters = WriterParameters(inputHeight: height, inputWidth: width, preprocessing: preprocessing,
                                          convolutionChannels: channels.split(separator: ",").compactMap { Int($0) },
                                          embeddingSize: embedding)
        (run.options.epochs, run.options.forgeryWeight, run.options.learningRate) = (epochs, forgeryWeight, learningRate)
        (run.options.targetFRR, run.options.seed) = (targetFrr, seed)
        (run.options.jitter.maxScale, run.options.jitter.maxRotation) = (augmentScale, augmentRotation)
        run.options.scoring = WriterScoring(rawValue: scoring) ?? .relativeToReferences
        let (model, result) = try run.run(to: URL(fileURLWithPath: out)) { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
        let v = result.validation
        print(String(format: "wrote %@ version %@: best epoch %d, threshold %.4f; validation (%d writers) skilled EER %.3f, "
                     + "random EER %.3f, FRR %.3f, FAR skilled %.3f, FAR random %.3f", out, model.version, result.bestEpoch,
                     model.threshold, v.writers, v.skilledEER ?? .nan, v.randomEER ?? .nan, v.falseRejectRate,
                     v.skilledFalseAcceptRate, v.randomFalseAcceptRate))
        print(String(format: "wall time %.0f s", Date().timeIntervalSince(started)))
    }
}
