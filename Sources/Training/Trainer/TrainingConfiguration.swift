import Preprocessing

/// How the three criteria's thresholds are set after the networks are trained.
public enum TrainingRecipe: String, Sendable, CaseIterable, Codable {
    /// The reference notebook exactly: reconstruction threshold = mean + 2·std (population) of the
    /// MSE over the valid training images, IsolationForest cut −0.5, classifier cut 0.5.
    case seed
    /// Each threshold chosen on the held-out validation images (see `CalibrationTargets`).
    case calibrated
}

/// What the `calibrated` recipe aims for on the held-out validation images (see `JointCalibration`).
public struct CalibrationTargets: Sendable, Equatable, Codable {
    /// Share of held-out valid images the combined verdict must accept (default 0.95).
    public var validAcceptance: Double
    /// Target share of held-out invalid images the verdict may accept (default 0.05): reported in a
    /// note when the chosen thresholds exceed it (valid acceptance comes first).
    public var falseAcceptRate: Double
    /// Share of held-out valid images each novelty criterion (reconstruction, IsolationForest) must
    /// reject on its own (default 0.01): a novelty detector that accepts every signature it was
    /// calibrated on accepts everything near them too, and then decides nothing. Each one's
    /// threshold therefore sits at or inside its (1 − cost) quantile of the valid scores.
    public var noveltyCost: Double

    /// Which target comes first when both cannot be met (default: the valid acceptance).
    public var priority: CalibrationPriority

    public init(validAcceptance: Double = 0.95, falseAcceptRate: Double = 0.05, noveltyCost: Double = 0.01,
                priority: CalibrationPriority = .acceptance) {
        self.validAcceptance = validAcceptance
        self.falseAcceptRate = falseAcceptRate
        self.noveltyCost = noveltyCost
        self.priority = priority
    }

    enum CodingKeys: String, CodingKey {
        case validAcceptance = "valid_acceptance"
        case falseAcceptRate = "false_accept_rate"
        case noveltyCost = "novelty_cost"
        case priority
    }

}

/// Which calibration target the `calibrated` recipe meets first (`JointCalibration`).
public enum CalibrationPriority: String, Sendable, Equatable, Codable, CaseIterable {
    /// Accept at least `validAcceptance` of the validation signatures, then reject all it can.
    case acceptance
    /// Let at most `falseAcceptRate` of the validation non-signatures through, then accept all it can.
    case falseAccepts = "false-accepts"
}

/// Everything a training run needs besides its data. Defaults are the reference's (SPEC §3–4) at
/// 224×224 with the paper-robust `clean` profile and calibrated thresholds.
public struct TrainingConfiguration: Sendable {
    /// Side of the square network input (a multiple of 16).
    public var inputSize = 224
    public var latentDim = 128
    public var profile: PreprocessingProfile = .clean
    public var recipe: TrainingRecipe = .calibrated
    public var calibration = CalibrationTargets()

    /// Autoencoder: at most this many epochs (early stopping usually ends sooner).
    public var autoencoderEpochs = 50
    public var classifierEpochs = 3
    public var batchSize = 32
    public var autoencoderLearningRate = 1e-4
    public var classifierLearningRate = 1e-3
    /// Share of the data held out for validation (early stopping, LR schedule, calibration).
    public var validationFraction = 0.2
    public var earlyStoppingPatience = 10
    public var plateauPatience = 5
    public var plateauFactor = 0.2
    public var minimumLearningRate = 1e-6
    /// On-the-fly pose augmentation of the autoencoder's inputs (the target stays the original).
    public var affine: AffineRanges = .reference
    /// The same on-the-fly pose augmentation for the classifier's inputs (both classes). Not in the
    /// reference (its classifier overfits its few thousand images within a few epochs), so the
    /// `seed` recipe, which reproduces the reference, never applies it (`augmentsClassifier`).
    public var augmentClassifier = true
    /// Whether classifier training augments its inputs: asked for, and not the `seed` recipe.
    public var augmentsClassifier: Bool { augmentClassifier && recipe != .seed }
    /// Adds the reference's five augmented copies (four grid distortions, one noise+blur chain) of
    /// every valid image, real or synthetic, before preprocessing.
    public var augmentValid = true
    /// Copies of every real valid scan redrawn under random scan conditions (`ScanConditions`:
    /// resolution, slant, pen strength, form rules, partial crops, paper, blur). Not in the
    /// reference: the `seed` recipe never adds them (`scanCopies`).
    public var scanConditionCopies = 3
    /// Signature-box-sized crops added for every real non-signature file (`PageCrops`); never with
    /// the `seed` recipe (`cropCopies`).
    public var invalidCropCopies = 8
    /// Non-signatures composed of real handwriting (`HandwritingLines`: several real signatures of
    /// different writers set as the words of a line or a note), drawn from the run's real signature
    /// files — validation composites only from validation files. Never with the `seed` recipe
    /// (`handwritingLineCount`).
    public var handwritingLines = 0
    /// Handwriting-line non-signatures in this run (0 with the `seed` recipe).
    public var handwritingLineCount: Int { recipe == .seed ? 0 : handwritingLines }
    /// Scan-condition copies per real valid scan in this run (0 with the `seed` recipe).
    public var scanCopies: Int { recipe == .seed ? 0 : scanConditionCopies }
    /// Crops per real non-signature in this run (0 with the `seed` recipe).
    public var cropCopies: Int { recipe == .seed ? 0 : invalidCropCopies }

    /// No augmented copies or crops of any kind: every file enters once, as it is (for scoring).
    public mutating func dropCopies() {
        augmentValid = false
        scanConditionCopies = 0
        invalidCropCopies = 0
    }

    /// Generated data mixed in: signatures of `syntheticSignatureKinds` (valid) and non-signatures of
    /// `syntheticKinds`; `synthesis.signature.background` sets the signatures' paper.
    public var syntheticValid = 0
    public var syntheticInvalid = 0
    public var syntheticSignatureKinds: [SignatureKind] = SignatureKind.allCases
    public var syntheticKinds: [NonSignatureKind] = NonSignatureKind.allCases
    public var synthesis = SynthesisConfig(signature: SyntheticSignatureStyle(background: .mixed))

    public var seed: UInt64 = 42
    /// Worker threads for decoding, synthesis, preprocessing and augmentation (BLAS keeps its own
    /// threads: `OPENBLAS_NUM_THREADS`).
    public var threads = 2

    public init() {}

    /// Checks the numbers before any work starts.
    public func validate() throws(TrainingError) {
        func check(_ ok: Bool, _ what: String) throws(TrainingError) {
            if !ok { throw .invalidConfiguration(what) }
        }
        try check(inputSize >= 32 && inputSize % 16 == 0, "input size \(inputSize) must be a multiple of 16, at least 32")
        try check(latentDim >= 1, "latent dimension \(latentDim) must be positive")
        try check(autoencoderEpochs >= 1 && classifierEpochs >= 1, "epochs must be at least 1")
        try check(batchSize >= 1, "batch size \(batchSize) must be at least 1")
        try check(validationFraction > 0 && validationFraction < 1, "validation fraction \(validationFraction) not in (0, 1)")
        try check(syntheticValid >= 0 && syntheticInvalid >= 0, "synthetic counts must not be negative")
        try check(syntheticInvalid == 0 || !syntheticKinds.isEmpty, "no non-signature kinds selected")
        try check(syntheticValid == 0 || !syntheticSignatureKinds.isEmpty, "no signature kinds selected")
        try check((0...1).contains(calibration.validAcceptance) && (0...1).contains(calibration.falseAcceptRate),
                  "calibration targets must be in [0, 1]")
        try check((0...0.1).contains(calibration.noveltyCost), "novelty cost \(calibration.noveltyCost) not in [0, 0.1]")
        try check(autoencoderLearningRate > 0 && classifierLearningRate > 0, "learning rates must be positive")
        try check(threads >= 1, "threads must be at least 1")
        try check(scanConditionCopies >= 0 && invalidCropCopies >= 0 && handwritingLines >= 0, "copy counts must not be negative")
    }
}

/// Why a training run could not start or finish.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case notEnoughData(String)
    case bundle(String)
    case calibration(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let what): return "invalid training configuration: \(what)"
        case .notEnoughData(let what): return "not enough training data: \(what)"
        case .bundle(let what): return "cannot write the model bundle: \(what)"
        case .calibration(let what): return "cannot calibrate thresholds: \(what)"
        }
    }
}
