import Foundation
import NeuralNet
import Training
import Verifier
import XCTest

/// End-to-end training on generated data in a reduced configuration (32×32 inputs, latent 8), so each
/// test stays well under a minute in release.
final class TrainerTests: XCTestCase {
    private var folders: [URL] = []

    override func tearDown() {
        for f in folders { try? FileManager.default.removeItem(at: f) }
        folders = []
        super.tearDown()
    }

    private func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sigverify-trainer-\(UUID().uuidString)")
        folders.append(url)
        return url.appendingPathComponent("model")
    }

    private func reduced(seed: UInt64, valid: Int, invalid: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.inputSize = 32
        c.latentDim = 8
        c.seed = seed
        c.syntheticValid = valid
        c.syntheticInvalid = invalid
        c.syntheticKinds = NonSignatureKind.generated  // no fonts needed
        // Not the stylised hands: their loops and zigzags are the line-art negatives' circles and sine
        // waves by design (README, "The default model"), so with only line art as negatives the two
        // classes would overlap and this test would measure that, not learning.
        c.syntheticSignatureKinds = SignatureKind.allCases.filter { $0 != .flourish }
        c.threads = 2
        // Small pictures: a 32×32 input needs no 1200×600 canvas, and synthesis stays cheap.
        c.synthesis = SynthesisConfig(signature: SyntheticSignatureStyle(width: 300, height: 150), realisticWidth: 200,
                                      realisticHeight: 100)
        return c
    }

    func testReducedModelBeatsChanceOnHeldOutGeneratedData() throws {
        var config = reduced(seed: 5, valid: 80, invalid: 200)  // 16 validation originals for calibration
        config.autoencoderEpochs = 3
        config.classifierEpochs = 4
        let (samples, skipped) = TrainingDataBuilder.build(files: [], configuration: config)
        XCTAssertEqual(skipped, [])
        let out = temporaryFolder()
        let summary = try Trainer(configuration: config).train(samples: samples, output: out)
        XCTAssertEqual(summary.history.classifier.count, 4)

        // Fresh data from another seed, never seen in training: score with the written bundle.
        var testConfig = reduced(seed: 900, valid: 40, invalid: 120)
        testConfig.augmentValid = false
        let (test, _) = TrainingDataBuilder.build(files: [], configuration: testConfig)
        let bundle = try ModelBundle.load(from: out)
        XCTAssertEqual(bundle.version, summary.modelVersion)
        let results = try Verifier(bundle: bundle).verify(test.batch(0..<test.count))
        let confusion = ConfusionMatrix(predicted: results.map { $0.verdict == .valid }, actual: test.labels.map(\.isValid))
        // Chance: the majority-class rate (0.75 here) for accuracy, 0.5 for balanced accuracy.
        let validShare = Double(test.labels.filter(\.isValid).count) / Double(test.count)
        let majority = max(validShare, 1 - validShare)
        let balanced = (confusion.recall + confusion.specificity) / 2
        XCTAssertGreaterThan(balanced, 0.5 + 0.2, "balanced accuracy \(balanced) (valid accepted \(confusion.recall), invalid rejected \(confusion.specificity))")
        // Each class better than a coin flip, and the verdict better than always answering the majority class
        // would be on balanced data.
        XCTAssertGreaterThan(confusion.recall, 0.5, "valid accepted")
        XCTAssertGreaterThan(confusion.specificity, 0.5, "invalid rejected")
        XCTAssertGreaterThan(balanced, majority - 0.05)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(TrainingHistory.fileName).path))
    }

    func testSeedRecipeThresholdsAndScheduleFollowTheCallbacks() throws {
        var config = reduced(seed: 11, valid: 12, invalid: 40)
        config.recipe = .seed
        config.autoencoderEpochs = 6
        config.classifierEpochs = 1
        config.autoencoderLearningRate = 1e-2  // noisy validation loss: plateaus and early stops happen
        config.earlyStoppingPatience = 2
        config.plateauPatience = 1
        config.minimumLearningRate = 1e-3
        let trainer = Trainer(configuration: config)
        let (samples, _) = TrainingDataBuilder.build(files: [], configuration: config)
        let out = temporaryFolder()
        let summary = try trainer.train(samples: samples, output: out)

        // Reference thresholds: MSE mean + 2·std (population) over the valid training images.
        let bundle = try ModelBundle.load(from: out)
        let split = trainer.split(samples)
        let trainValid = samples.indices(of: .valid, among: split.train)
        let errors = try Verifier(bundle: bundle).verify(samples.batch(trainValid)).map(\.reconstructionError)
        let mean = errors.reduce(0, +) / Double(errors.count)
        let std = (errors.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(errors.count)).squareRoot()
        XCTAssertEqual(bundle.parameters.reconstructionThreshold, mean + 2 * std, accuracy: 1e-12)
        XCTAssertEqual(bundle.parameters.anomalyScoreMin, -0.5)
        XCTAssertEqual(bundle.parameters.classifierConfidenceMin, 0.5)
        XCTAssertEqual(bundle.parameters.preprocessing?.name, config.profile.name)

        // The recorded schedule is what Keras' callbacks give for the recorded validation losses.
        let records = summary.history.autoencoder
        var stopping = EarlyStopping<Int>(patience: config.earlyStoppingPatience)
        var plateau = ReduceLROnPlateau(factor: config.plateauFactor, patience: config.plateauPatience,
                                        minLR: config.minimumLearningRate)
        var lr = config.autoencoderLearningRate
        var expectedEpochs = config.autoencoderEpochs
        for (i, r) in records.enumerated() {
            XCTAssertEqual(r.learningRate, lr, accuracy: 1e-15, "epoch \(r.epoch)")
            lr = plateau.update(value: r.valLoss, learningRate: lr)
            if stopping.update(epoch: i, value: r.valLoss, weights: { i }) {
                expectedEpochs = i + 1
                break
            }
        }
        XCTAssertEqual(records.count, expectedEpochs)
        XCTAssertEqual(summary.history.autoencoderBestEpoch, stopping.bestEpoch.map { $0 + 1 })
        let bestLoss = records.map(\.valLoss).min()!
        XCTAssertEqual(records[summary.history.autoencoderBestEpoch! - 1].valLoss, bestLoss)
    }

    func testInterruptLeavesAUsableBundle() throws {
        var config = reduced(seed: 3, valid: 8, invalid: 30)
        config.autoencoderEpochs = 20
        var steps = 0
        let out = temporaryFolder()
        let (samples, _) = TrainingDataBuilder.build(files: [], configuration: config)
        let summary = try Trainer(configuration: config).train(samples: samples, output: out, events: { event in
            if case .step = event { steps += 1 }
        }, shouldStop: { steps >= 1 })
        XCTAssertTrue(summary.history.interrupted)
        XCTAssertEqual(summary.history.autoencoder.count, 1)
        XCTAssertEqual(summary.history.classifier.count, 1)
        XCTAssertEqual(try ModelBundle.load(from: out).version, summary.modelVersion)
    }

    func testFalseAcceptsFirstKeepsTheCutAboveTheNonSignaturesWhereAcceptanceFirstDropsIt() throws {
        // Classifier scores only: 20 valid at 0.62…0.81 plus two hard valid ones at 0.05 and 0.15;
        // 20 invalid at 0.01…0.40. Accepting 95 % of the valid images needs a cut at 0.15, which lets
        // the invalid images above it through; at most 5 % false accepts needs a cut above 0.38.
        var scores: [JointCalibration.Scores] = []
        for i in 0..<20 {
            scores.append(.init(reconstructionError: 0.1, anomalyScore: -0.5, classifierConfidence: 0.62 + Double(i) * 0.01, isValid: true))
            scores.append(.init(reconstructionError: 0.1, anomalyScore: -0.5, classifierConfidence: 0.01 + Double(i) * 0.02, isValid: false))
        }
        for hard in [0.05, 0.15] {
            scores.append(.init(reconstructionError: 0.1, anomalyScore: -0.5, classifierConfidence: hard, isValid: true))
        }
        let acceptance = try JointCalibration.choose(scores, targets: CalibrationTargets(validAcceptance: 0.95, noveltyCost: 0))
        XCTAssertLessThanOrEqual(acceptance.classifierConfidenceMin, 0.15)
        XCTAssertGreaterThan(acceptance.falseAcceptRate, 0.05)
        let falseAccepts = try JointCalibration.choose(scores, targets: CalibrationTargets(validAcceptance: 0.95, falseAcceptRate: 0.05,
                                                                                           noveltyCost: 0, priority: .falseAccepts))
        XCTAssertLessThanOrEqual(falseAccepts.falseAcceptRate, 0.05)
        XCTAssertEqual(falseAccepts.validAccepted, 20.0 / 22.0, accuracy: 1e-9, "every valid image above the non-signatures")
        XCTAssertTrue(falseAccepts.notes.contains { $0.contains("false accepts first") }, "\(falseAccepts.notes)")
    }

    func testJointCalibrationPicksTheSeparatingCriterion() throws {
        // 20 valid and 20 invalid images: only the classifier separates them (valid ≥ 0.6, invalid ≤ 0.4,
        // except one valid image at 0.3); reconstruction and anomaly scores carry no information.
        var scores: [JointCalibration.Scores] = []
        for i in 0..<20 {
            let noise = Double((i * 7) % 20) / 20
            scores.append(.init(reconstructionError: 0.1 + noise * 0.01, anomalyScore: -0.5 - noise * 0.01,
                                classifierConfidence: i == 0 ? 0.3 : 0.6 + Double(i) * 0.01, isValid: true))
            scores.append(.init(reconstructionError: 0.1 + noise * 0.01, anomalyScore: -0.5 - noise * 0.01,
                                classifierConfidence: 0.4 - Double(i) * 0.01, isValid: false))
        }
        let result = try JointCalibration.choose(scores, targets: CalibrationTargets(validAcceptance: 0.95, falseAcceptRate: 0.05,
                                                                                     noveltyCost: 0))
        // 19 of 20 valid (95 %) pass and every invalid image is rejected: the uninformative criteria stay open.
        XCTAssertEqual(result.validAccepted, 0.95)
        XCTAssertEqual(result.falseAcceptRate, 0)
        XCTAssertEqual(result.notes, [])
        XCTAssertGreaterThan(result.classifierConfidenceMin, 0.4)
        XCTAssertLessThanOrEqual(result.classifierConfidenceMin, 0.61)
        XCTAssertGreaterThanOrEqual(result.reconstructionMax, scores.filter(\.isValid).map(\.reconstructionError).max()!)
        XCTAssertLessThanOrEqual(result.anomalyScoreMin, scores.filter(\.isValid).map(\.anomalyScore).min()!)
        // A target no triple meets: the most accepting triple, with a note.
        let strict = try JointCalibration.choose(scores.map { var s = $0; s.isValid = true; return s },
                                                 targets: CalibrationTargets(validAcceptance: 1.0, falseAcceptRate: 0))
        XCTAssertEqual(strict.validAccepted, 1.0)
        XCTAssertTrue(strict.notes.contains { $0.contains("no validation non-signatures") })
        XCTAssertThrowsError(try JointCalibration.choose(scores.filter { !$0.isValid }, targets: CalibrationTargets()))
    }

    func testRecordedSplitRolesAreHonoured() {
        // Six writers with a recorded part each, plus ten unassigned synthetic items the trainer splits.
        var samples = PreparedSamples(height: 2, width: 2)
        let recorded: [(String, DataRole)] = [("w1", .train), ("w2", .train), ("w3", .validation), ("w4", .test)]
        for (writer, role) in recorded {
            for copy in 0..<3 {
                samples.append([0, 0, 0, 0], label: .valid, source: "real", group: "writer:\(writer)", name: "\(writer)-\(copy)",
                               role: role, isCopy: copy > 0)
            }
        }
        for i in 0..<10 {
            samples.append([1, 1, 1, 1], label: i % 2 == 0 ? .valid : .invalid, source: "synthetic", group: "s\(i)", name: "s\(i)")
        }
        var config = TrainingConfiguration()
        config.validationFraction = 0.2
        let split = Trainer(configuration: config).split(samples)
        func names(_ indices: [Int]) -> Set<String> { Set(indices.map { samples.names[$0] }) }
        XCTAssertEqual(Set(split.train + split.heldOut), Set(0..<samples.count), "every sample placed once")
        XCTAssertEqual(split.train.count + split.heldOut.count, samples.count)
        XCTAssertTrue(names(split.train).isSuperset(of: ["w1-0", "w1-1", "w1-2", "w2-0", "w2-1", "w2-2"]))
        XCTAssertTrue(names(split.heldOut).isSuperset(of: ["w3-0", "w3-1", "w3-2"]))
        XCTAssertTrue(names(split.train).isDisjoint(with: ["w3-0", "w4-0", "w4-1", "w4-2"]), "validation and test rows are never trained on")
        let synthetic = names(split.heldOut).filter { $0.hasPrefix("s") }
        XCTAssertEqual(synthetic.count, 2, "the unassigned items are split by the validation fraction")
    }

    func testNoveltyCriteriaNeverOpenToTheWorstValidImage() throws {
        // 100 valid images whose reconstruction error and anomaly score carry no class information,
        // and a classifier that separates perfectly: without a novelty cost both novelty criteria
        // open to the worst valid image (they decide nothing); with a 2 % cost each rejects the
        // two least signature-like valid images and keeps rejecting anything beyond them.
        var scores: [JointCalibration.Scores] = []
        for i in 0..<100 {
            let x = Double((i * 37) % 100) / 100
            scores.append(.init(reconstructionError: x, anomalyScore: -x, classifierConfidence: 0.9, isValid: true))
            scores.append(.init(reconstructionError: x, anomalyScore: -x, classifierConfidence: 0.1, isValid: false))
        }
        let open = try JointCalibration.choose(scores, targets: CalibrationTargets(validAcceptance: 0.95, noveltyCost: 0))
        XCTAssertEqual(open.reconstructionMax, 0.99)
        XCTAssertEqual(open.anomalyScoreMin, -0.99)
        let costed = try JointCalibration.choose(scores, targets: CalibrationTargets(validAcceptance: 0.95, noveltyCost: 0.02))
        XCTAssertLessThanOrEqual(costed.reconstructionMax, 0.98)
        XCTAssertGreaterThanOrEqual(costed.anomalyScoreMin, -0.98)
        XCTAssertGreaterThanOrEqual(costed.validAccepted, 0.95)
        XCTAssertEqual(costed.falseAcceptRate, 0)
    }

    func testClassifierAugmentationIsNeverPartOfTheSeedRecipe() {
        var c = TrainingConfiguration()
        XCTAssertTrue(c.augmentsClassifier, "on by default for the calibrated recipe")
        c.recipe = .seed
        XCTAssertFalse(c.augmentsClassifier, "the seed recipe reproduces the reference, whose classifier saw its images as they are")
        c.recipe = .calibrated
        c.augmentClassifier = false
        XCTAssertFalse(c.augmentsClassifier)
    }

    func testConfigurationErrorsAreTyped() {
        var c = TrainingConfiguration()
        c.inputSize = 40
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("multiple of 16")) }
        var d = reduced(seed: 1, valid: 2, invalid: 0)
        d.augmentValid = false  // two valid images: one held out leaves one to train on
        let (samples, _) = TrainingDataBuilder.build(files: [], configuration: d)
        XCTAssertThrowsError(try Trainer(configuration: d).train(samples: samples, output: temporaryFolder())) {
            XCTAssertTrue("\($0)".contains("not enough training data"), "\($0)")
        }
    }
}
