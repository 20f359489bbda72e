import ArgumentParser
import Foundation
import Preprocessing
import Training
import Verifier

/// `sigverify train`: builds a model bundle from folders of scans (plus optional synthetic data).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model bundle from signature and non-signature scans.",
        discussion: """
            Images (PNG, JPEG, TIFF) under each --valid folder are signatures, under each --invalid folder \
            non-signatures; --labels adds LABELS.tsv listings (file, label, optional source and writer). \
            Unreadable files are skipped with a warning naming them. 20 % of the data (whole writers or \
            originals with their augmented copies) is held out for early stopping and calibration.

            Recipes: 'seed' sets the thresholds as the reference notebook (reconstruction mean + 2·std over \
            the valid training images, IsolationForest −0.5, classifier 0.5). 'calibrated' (default) chooses \
            the three thresholds together on the held-out images: among the triples whose combined verdict \
            accepts at least --accept-share of the held-out signatures (default 0.95), the one that rejects the \
            most held-out non-signatures; a note is printed when more than --false-accept of them (default \
            0.05) still pass.

            Ctrl-C once: the current phase ends with its best weights, the classifier gets at most one \
            epoch and the bundle is written. The bundle is replaced atomically after each improving \
            classifier epoch, so a second Ctrl-C (immediate exit) leaves the last complete bundle. \
            BLAS threads: OPENBLAS_NUM_THREADS (default all cores).
            """)

    @OptionGroup var scans: LabelledScanOptions

    @Option(name: .long, help: "Output bundle folder (replaced when training finishes).")
    var out: String

    @Option(name: .long, help: "Synthetic signatures to add (each with 5 augmented copies).")
    var syntheticValid = 0

    @Option(name: .long, help: "Synthetic non-signatures to add.")
    var syntheticInvalid = 0

    @Option(name: .long, help: "Comma-separated non-signature kinds or groups for --synthetic-invalid.")
    var syntheticKinds = "all"

    @Option(name: .long, help: "Comma-separated signature kinds for --synthetic-valid: bezier (the reference's), cursive, headline, blocks; latin (bezier and cursive) or all.")
    var syntheticSignatureKinds = "all"

    @Option(name: .long, help: "Paper of the synthetic signatures: white (the reference's), scan or mixed.")
    var syntheticBackground = SignatureBackground.mixed.rawValue

    @Option(name: .long, help: "Threshold recipe: seed or calibrated.")
    var recipe: String = TrainingRecipe.calibrated.rawValue

    @Option(name: .long, help: "Preprocessing profile: seed or clean.")
    var profile: String = PreprocessingProfile.clean.name

    @Option(name: .long, help: "Profile version (default: the profile's first; clean 2 works at a resolution that follows the input size).")
    var profileVersion: Int?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a profile parameter (repeatable; recorded in the bundle).",
                                                         valueName: "NAME=VALUE"))
    var overrides: [String] = []

    @Option(name: .long, help: "Square network input side (multiple of 16).")
    var inputSize = 224

    @Option(name: .long, help: "Autoencoder latent size.")
    var latentDim = 128

    @Option(name: .long, help: "Maximum autoencoder epochs (early stopping may end sooner).")
    var epochs = 50

    @Option(name: .long, help: "Classifier epochs.")
    var classifierEpochs = 3

    @Option(name: .long, help: "Images per training step.")
    var batchSize = 32

    @Option(name: .long, help: "Calibrated recipe: share of held-out signatures the verdict must accept.")
    var acceptShare = 0.95

    @Option(name: .long, help: "Calibrated recipe: target share of held-out non-signatures the verdict may accept.")
    var falseAccept = 0.05

    @Option(name: .long, help: "Calibrated recipe: share of held-out signatures each novelty criterion (reconstruction, IsolationForest) must reject on its own.")
    var noveltyCost = 0.01

    @Option(name: .long, help: "Calibrated recipe: which target comes first when both cannot be met — acceptance (--accept-share) or false-accepts (--false-accept).")
    var calibrationPriority = CalibrationPriority.acceptance.rawValue

    @Flag(name: .long, help: "Do not add the 5 augmented copies of each valid image.")
    var noAugment = false

    @Option(name: .long, help: "Copies of each real signature under random scan conditions (calibrated recipe only).")
    var scanConditionCopies = 3

    @Option(name: .long, help: "Signature-box-sized crops of each real non-signature (calibrated recipe only).")
    var invalidCropCopies = 8

    @Option(name: .long, help: "Non-signatures composed of real handwriting: several real signatures of different writers set as the words of a line or note (calibrated recipe only).")
    var handwritingLines = 0

    @Flag(name: .long, help: "Train the classifier on its images as they are (no on-the-fly rotation/shift/zoom; always so with --recipe seed).")
    var noClassifierAugment = false

    @Option(name: .long, help: ArgumentHelp(
        "Train nothing: choose the thresholds of the bundle in DIR again with this run's calibration targets, on the held-out images this run would use (give the same data options as its training), and write it to --out.",
        valueName: "DIR"))
    var thresholdsFrom: String?

    @Option(name: .long, help: "Random seed (the same seed and data give the same bundle).")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Worker threads for decoding, synthesis, preprocessing and augmentation.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard !scans.valid.isEmpty || !scans.labels.isEmpty || syntheticValid > 0 else {
            throw ValidationError("no signatures: give --valid DIR, --labels FILE or --synthetic-valid N")
        }
        let _: TrainingRecipe = try optionChoice(recipe, option: "--recipe")
    }

    func run() throws {
        let config = try trainingConfiguration()
        let listed = try scans.listFiles()
        let files = listed.filter { $0.role != .test }
        if files.count < listed.count {
            print("left out \(listed.count - files.count) rows of the test split (only `evaluate` reads them)")
        }

        let progress = TrainProgressView(terminal: isatty(1) != 0)
        let started = Date()
        progress.line("preparing \(files.count) files + \(syntheticValid) synthetic signatures + \(syntheticInvalid) "
            + "synthetic non-signatures (profile \(config.profile.name), \(inputSize)×\(inputSize), \(threads) threads)")
        let (samples, skipped) = TrainingDataBuilder.build(
            files: files, configuration: config, warn: { warn($0) },
            progress: { done, total in progress.preparation(done: done, total: total) })
        progress.line(String(format: "%d images ready in %.1f s (%d skipped)", samples.count,
                             Date().timeIntervalSince(started), skipped.count))

        if let thresholdsFrom {
            try recalibrate(thresholdsFrom, samples: samples, configuration: config)
            return
        }
        Interrupt.install()
        let summary = try Trainer(configuration: config).train(
            samples: samples, output: URL(fileURLWithPath: out),
            events: { progress.event($0) }, shouldStop: { Interrupt.requested })
        printSummary(summary, recipe: config.recipe, seconds: Date().timeIntervalSince(started))
    }

    /// The options as a training configuration (the enumerated ones parsed here, so a bad value is
    /// a usage error naming its option).
    private func trainingConfiguration() throws -> TrainingConfiguration {
        var config = TrainingConfiguration()
        config.profile = try PreprocessingProfile.named(profile, version: profileVersion, overrides: overrides)
        config.recipe = try optionChoice(recipe, option: "--recipe")
        config.inputSize = inputSize
        config.latentDim = latentDim
        config.autoencoderEpochs = epochs
        config.classifierEpochs = classifierEpochs
        config.batchSize = batchSize
        let priority: CalibrationPriority = try optionChoice(calibrationPriority, option: "--calibration-priority")
        config.calibration = CalibrationTargets(validAcceptance: acceptShare, falseAcceptRate: falseAccept,
                                                noveltyCost: noveltyCost, priority: priority)
        config.augmentValid = !noAugment
        config.augmentClassifier = !noClassifierAugment
        config.scanConditionCopies = scanConditionCopies
        config.invalidCropCopies = invalidCropCopies
        config.handwritingLines = handwritingLines
        config.syntheticValid = syntheticValid
        config.syntheticInvalid = syntheticInvalid
        config.seed = seed
        config.threads = threads
        try applySynthesisOptions(to: &config)
        do { try config.validate() } catch { throw ValidationError("\(error)") }
        return config
    }

    private func applySynthesisOptions(to config: inout TrainingConfiguration) throws {
        do {
            config.syntheticKinds = try NonSignatureKind.parseList(syntheticKinds)
            config.syntheticSignatureKinds = try SignatureKind.parseList(syntheticSignatureKinds)
        } catch {
            throw ValidationError("\(error)")
        }
        config.synthesis.signature.background = try optionChoice(syntheticBackground.lowercased(), option: "--synthetic-background")
        if syntheticInvalid > 0, config.syntheticKinds.contains(where: \.needsFonts), (try? FontLibrary()) == nil {
            config.syntheticKinds.removeAll(where: \.needsFonts)
            warn("no fonts found: synthetic kinds that set text are left out")
        }
    }

    private func printSummary(_ summary: TrainingSummary, recipe: TrainingRecipe, seconds: Double) {
        let p = summary.parameters
        print(String(format: "bundle %@ version %@ written in %.0f s%@", out, summary.modelVersion,
                     seconds, summary.history.interrupted ? " (interrupted)" : ""))
        print(String(format: "thresholds (%@): reconstruction ≤ %.6g, anomaly ≥ %.6g, classifier ≥ %.6g",
                     recipe.rawValue, p.reconstructionThreshold, p.anomalyScoreMin, p.classifierConfidenceMin))
        for note in summary.calibrationNotes { print("  note: \(note)") }
        let h = summary.heldOut
        print("validation (\(summary.heldOutCount) original images, used for early stopping and calibration — not a held-out "
              + "figure; run `evaluate` on a test split): accuracy, valid accepted, invalid rejected")
        for (name, m) in [("verdict", h.verdict), ("reconstruction", h.reconstruction), ("anomaly", h.anomaly),
                          ("classifier", h.classifier)] {
            print("  " + name.padding(toLength: 15, withPad: " ", startingAt: 0)
                  + String(format: " %.3f  %.3f  %.3f", m.accuracy, m.recall, m.specificity))
        }
        for name in summary.idleCriteria {
            warn("WARNING: the \(name) criterion decided no verdict on the validation images — the verdict would be "
                 + "the same without it")
        }
    }
}

extension TrainCommand {
    /// `--thresholds-from DIR`: the bundle in DIR with thresholds chosen again (`Trainer.recalibrate`).
    func recalibrate(_ folder: String, samples: PreparedSamples, configuration: TrainingConfiguration) throws {
        let bundle: ModelBundle
        do { bundle = try ModelBundle.load(from: URL(fileURLWithPath: folder)) } catch {
            throw CommandFailure("cannot load model bundle \(folder): \(error)")
        }
        guard bundle.parameters.inputShape == [inputSize, inputSize, 1] else {
            throw CommandFailure("\(folder) takes \(bundle.parameters.inputShape) inputs, this run prepares \(inputSize)×\(inputSize)")
        }
        let result = try Trainer(configuration: configuration).recalibrate(bundle, samples: samples,
                                                                            output: URL(fileURLWithPath: out))
        let p = result.bundle.parameters
        print(String(format: "bundle %@ version %@ (networks of %@ version %@)", out, result.bundle.version, folder, bundle.version))
        print(String(format: "thresholds (calibrated): reconstruction ≤ %.6g, anomaly ≥ %.6g, classifier ≥ %.6g",
                     p.reconstructionThreshold, p.anomalyScoreMin, p.classifierConfidenceMin))
        print(String(format: "validation (%d original images): valid accepted %.3f, false-accept rate %.3f",
                     result.heldOutCount, result.chosen.validAccepted, result.chosen.falseAcceptRate))
        for note in result.chosen.notes { print("  note: \(note)") }
    }
}
