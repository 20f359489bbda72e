import Foundation
import XCTest
import NeuralNet
import TestSupport
import Verifier

final class VerifierParityTests: XCTestCase {
    /// Verifies the reference inputs with the reference bundle and compares with what Keras/scikit-learn computed.
    private func assertParity(folder: URL, maxBatch: Int = 32, file: StaticString = #filePath, line: UInt = #line) throws {
        let bundle = try ModelBundle.load(from: folder)
        let reference = try SafeTensors.readRaw(contentsOf: folder.appendingPathComponent("reference_outputs.safetensors"))
        let xRaw = try XCTUnwrap(reference["x"], file: file, line: line)
        let x = Tensor(shape: xRaw.shape, storage: xRaw.floats())
        let results = try Verifier(bundle: bundle, maxBatch: maxBatch).verify(x)
        let mse = try XCTUnwrap(reference["reconstruction_error"], file: file, line: line).doubles()
        let scores = try XCTUnwrap(reference["anomaly_score"], file: file, line: line).doubles()
        let confidences = try XCTUnwrap(reference["classifier_confidence"], file: file, line: line).doubles()
        let valid = try XCTUnwrap(reference["is_valid"], file: file, line: line).doubles()
        XCTAssertEqual(results.count, x.shape[0], file: file, line: line)
        var verdicts: Set<Verdict> = []
        for (i, r) in results.enumerated() {
            XCTAssertEqual(r.reconstructionError, mse[i], accuracy: 1e-5 * abs(mse[i]), "MSE of image \(i)", file: file, line: line)
            XCTAssertEqual(r.anomalyScore, scores[i], accuracy: 1e-9, "forest score of image \(i)", file: file, line: line)
            XCTAssertEqual(r.classifierConfidence, confidences[i], accuracy: 1e-4, "confidence of image \(i)", file: file, line: line)
            XCTAssertEqual(r.verdict, valid[i] == 1 ? .valid : .invalid, "verdict of image \(i)", file: file, line: line)
            XCTAssertEqual(r.modelVersion, bundle.version, file: file, line: line)
            XCTAssertEqual(r.reconstructionThreshold, bundle.parameters.reconstructionThreshold, file: file, line: line)
            verdicts.insert(r.verdict)
        }
        XCTAssertEqual(verdicts.count, 2, "the reference inputs exercise both verdicts", file: file, line: line)
    }

    func testTinyBundleMatchesReference() throws {
        try assertParity(folder: FixturePaths.local("model_tiny"))
    }

    func testTinyBundleMatchesReferenceInSmallChunks() throws {
        try assertParity(folder: FixturePaths.local("model_tiny"), maxBatch: 5)
    }

    func testFullBundleMatchesReference() throws {
        guard let folder = FixturePaths.shared("model") else { throw XCTSkip("../shared/fixtures/model is absent") }
        try assertParity(folder: folder)
    }
}

final class VerifierDecisionTests: XCTestCase {
    private var temporaryFolders: [URL] = []

    override func tearDown() {
        for url in temporaryFolders { try? FileManager.default.removeItem(at: url) }
        super.tearDown()
    }

    private func referenceInputs() throws -> Tensor {
        let raw = try SafeTensors.readRaw(contentsOf: FixturePaths.local("model_tiny/reference_outputs.safetensors"))
        let x = try XCTUnwrap(raw["x"])
        return Tensor(shape: x.shape, storage: x.floats())
    }

    /// The tiny bundle with other thresholds.
    private func bundle(adjusting change: (inout VerifierParameters) -> Void) throws -> ModelBundle {
        let tiny = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        var parameters = tiny.parameters
        change(&parameters)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sigverify-verifier-\(UUID().uuidString)")
        temporaryFolders.append(folder)
        return try ModelBundle.write(parameters: parameters, autoencoder: tiny.autoencoder, classifier: tiny.classifier,
                                     forest: tiny.forest, to: folder)
    }

    func testEachCriterionFollowsItsThreshold() throws {
        let x = try referenceInputs()
        let base = try Verifier(bundle: ModelBundle.load(from: FixturePaths.local("model_tiny"))).verify(x)

        // Everything lenient: every image valid, scores unchanged.
        let lenient = try Verifier(bundle: bundle {
            $0.reconstructionThreshold = 1e9; $0.anomalyScoreMin = -1; $0.classifierConfidenceMin = 0
        }).verify(x)
        XCTAssert(lenient.allSatisfy { $0.verdict == .valid && $0.reconstructionPassed && $0.anomalyPassed && $0.classifierPassed })
        XCTAssertEqual(lenient.map(\.anomalyScore), base.map(\.anomalyScore))
        XCTAssertEqual(lenient.map(\.reconstructionError), base.map(\.reconstructionError))

        // Only the reconstruction threshold strict: criterion 1 fails alone.
        let strictMSE = try Verifier(bundle: bundle {
            $0.reconstructionThreshold = 0; $0.anomalyScoreMin = -1; $0.classifierConfidenceMin = 0
        }).verify(x)
        XCTAssert(strictMSE.allSatisfy { $0.verdict == .invalid && !$0.reconstructionPassed && $0.anomalyPassed && $0.classifierPassed })
        XCTAssert(strictMSE.allSatisfy { $0.reconstructionThreshold == 0 })

        // Only the forest cut strict (scores are < 0).
        let strictForest = try Verifier(bundle: bundle {
            $0.reconstructionThreshold = 1e9; $0.anomalyScoreMin = 0; $0.classifierConfidenceMin = 0
        }).verify(x)
        XCTAssert(strictForest.allSatisfy { $0.verdict == .invalid && $0.reconstructionPassed && !$0.anomalyPassed && $0.classifierPassed })

        // Only the classifier strict (sigmoid < 1 + tiny margin).
        let strictClassifier = try Verifier(bundle: bundle {
            $0.reconstructionThreshold = 1e9; $0.anomalyScoreMin = -1; $0.classifierConfidenceMin = 1.5
        }).verify(x)
        XCTAssert(strictClassifier.allSatisfy { $0.verdict == .invalid && $0.reconstructionPassed && $0.anomalyPassed && !$0.classifierPassed })

        // The default bundle's verdict is exactly the conjunction of its flags.
        for r in base {
            XCTAssertEqual(r.verdict == .valid, r.reconstructionPassed && r.anomalyPassed && r.classifierPassed)
        }
    }

    /// The verifier's scores are the bundle's parts composed on one latent per image: forest and decoder
    /// see exactly the encoder's output, the classifier sees the input.
    func testScoresComposeTheBundlesParts() throws {
        let x = try referenceInputs()
        let bundle = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        let results = try Verifier(bundle: bundle).verify(x)
        let latent = bundle.autoencoder.encode(x)
        XCTAssertEqual(results.map(\.anomalyScore), try bundle.forest.scoreSamples(latent))
        XCTAssertEqual(results.map(\.reconstructionError),
                       meanSquaredErrorPerImage(x, bundle.autoencoder.decode(latent)).map(Double.init))
        XCTAssertEqual(results.map(\.classifierConfidence), bundle.classifier.predict(x).map(Double.init))
    }

    func testRejectsWrongInputShape() throws {
        let verifier = try Verifier(bundle: ModelBundle.load(from: FixturePaths.local("model_tiny")))
        XCTAssertThrowsError(try verifier.verify(Tensor(shape: [2, 64, 64, 1]))) {
            XCTAssertEqual($0 as? VerifierError, .inputShapeMismatch(expected: [32, 32, 1], found: [2, 64, 64, 1]))
        }
        XCTAssertThrowsError(try verifier.verify(Tensor(shape: [32, 32, 1])))
        XCTAssertEqual(try verifier.verify(Tensor(shape: [0, 32, 32, 1])), [])
    }

    func testVerificationJSONUsesSnakeCaseAndVerdictStrings() throws {
        let p = VerifierParameters(inputShape: [32, 32, 1], latentDim: 16, reconstructionThreshold: 0.2)
        let v = Verification(reconstructionError: 0.1, anomalyScore: -0.4, classifierConfidence: 0.9, parameters: p, modelVersion: "abc")
        XCTAssertEqual(v.verdict, .valid)
        let json = String(decoding: try JSONEncoder().encode(v), as: UTF8.self)
        for key in [#""verdict":"valid""#, #""reconstruction_error":0.1"#, #""anomaly_score":-0.4"#,
                    #""classifier_confidence":0.9"#, #""model_version":"abc""#, #""reconstruction_passed":true"#] {
            XCTAssert(json.contains(key), "\(key) missing from \(json)")
        }
        let edge = Verification(reconstructionError: 0.2, anomalyScore: -0.5, classifierConfidence: 0.5, parameters: p, modelVersion: "abc")
        XCTAssertEqual(edge.verdict, .valid, "thresholds are inclusive")
        let bad = Verification(reconstructionError: 0.2000001, anomalyScore: -0.5, classifierConfidence: 0.5, parameters: p, modelVersion: "abc")
        XCTAssertEqual(bad.verdict, .invalid)
        XCTAssertEqual(Verdict.invalid.rawValue, "invalid")
    }
}
