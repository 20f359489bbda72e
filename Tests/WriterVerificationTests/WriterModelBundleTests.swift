import Foundation
import Imaging
import NeuralNet
import TestSupport
import Verifier
import WriterVerification
import XCTest

/// The writer bundle: written and loaded back unchanged, versioned by its bytes, refused when a
/// file was changed after saving.
final class WriterModelBundleTests: XCTestCase {
    static let small = WriterParameters(inputHeight: 32, inputWidth: 64, convolutionChannels: [4, 8], embeddingSize: 16, threshold: 0.6)

    private func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sv-writer-\(UUID().uuidString.prefix(8))")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func savedModel() throws -> (WriterNetwork, WriterModel) {
        var network = try WriterNetwork(parameters: Self.small, seed: 3)
        network.center = (0..<16).map { Float($0) / 100 }
        return (network, try WriterModel.write(network, parameters: Self.small, to: temporaryFolder()))
    }

    func testRoundTripKeepsWeightsThresholdAndEmbeddings() throws {
        let (network, model) = try savedModel()
        XCTAssertEqual(model.threshold, 0.6)
        XCTAssertEqual(model.version.count, 16)
        XCTAssertEqual(model.version, try BundleFiles.fingerprint(of: model.folder, files: WriterModel.hashedFiles).version)
        XCTAssertEqual(model.network.variables, network.variables)
        XCTAssertEqual(model.network.center, network.center)
        let images = [WriterPreprocessingTests.scribble(scale: 1), WriterPreprocessingTests.scribble(scale: 2)]
        let embeddings = try model.embeddings(of: images)
        XCTAssertEqual(embeddings.count, 2)
        for e in embeddings {
            XCTAssertEqual(e.count, 16)
            XCTAssertEqual(e.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4, "unit length")
        }
        XCTAssertEqual(try WriterModel.load(from: model.folder).version, model.version, "loading again: same version")
    }

    func testAChangedWeightFileIsRefused() throws {
        let (_, model) = try savedModel()
        let weights = model.folder.appendingPathComponent(WriterModel.weightsFile)
        let range = try DamagedBundles.tensorRange(weights, "wr_embedding/kernel")
        try DamagedBundles.overwrite(weights, offset: range.lowerBound, count: 4, with: 0x3F)
        XCTAssertThrowsError(try WriterModel.load(from: model.folder)) { error in
            guard case .bundle(.manifestMismatch(let file, _))? = error as? WriterModelError else { return XCTFail("\(error)") }
            XCTAssertTrue(file.hasSuffix(WriterModel.weightsFile))
        }
    }

    func testAChangedThresholdIsRefusedAndAMissingManifestToo() throws {
        let (_, model) = try savedModel()
        let json = model.folder.appendingPathComponent(WriterModel.parametersFile)
        let text = try String(contentsOf: json, encoding: .utf8).replacingOccurrences(of: "\"threshold\" : 0.6", with: "\"threshold\" : 0.1")
        try text.write(to: json, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try WriterModel.load(from: model.folder)) { error in
            guard case .bundle(.manifestMismatch)? = error as? WriterModelError else { return XCTFail("\(error)") }
        }
        try FileManager.default.removeItem(at: model.folder.appendingPathComponent("manifest.json"))
        XCTAssertThrowsError(try WriterModel.load(from: model.folder)) { error in
            guard case .missingManifest? = error as? WriterModelError else { return XCTFail("\(error)") }
        }
    }

    func testMeanCosineScoreProperties() throws {
        let plain = WriterScorer(scoring: .meanCosine)
        let score = plain.score
        let a: [Float] = [1, 0, 0], b: [Float] = [0, 1, 0], c = WriterNetwork.normalized([1, 1, 0])
        XCTAssertEqual(score(a, [a, a]), 1, accuracy: 1e-9)
        XCTAssertEqual(score(a, [b]), 0.5, accuracy: 1e-9, "orthogonal: cosine 0")
        XCTAssertEqual(score(a, [a, b]), 0.75, accuracy: 1e-9)
        XCTAssertEqual(score(c, [a, b]), score(c, [b, a]))
        XCTAssertEqual(score(a, []), 0, "no references: no match")
        XCTAssertEqual(score([-1, 0, 0], [a]), 0, accuracy: 1e-9, "opposite: cosine −1")
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<50 {
            let q = (0..<8).map { _ in rng.nextUnitFloat() * 2 - 1 }
            let refs = (0..<3).map { _ in (0..<8).map { _ in rng.nextUnitFloat() * 2 - 1 } }
            XCTAssertTrue((0...1).contains(score(q, refs)))
            XCTAssertTrue((0...1).contains(WriterScorer(scoring: .relativeToReferences, typicalLikeness: 0.3).score(questioned: q, references: refs)))
        }
    }

    /// The relative score measures the questioned signature against how alike the references are:
    /// (1 + mean cosine to them − their mean cosine among themselves)/2, the typical likeness standing
    /// in for a single reference.
    func testRelativeScoreIsMeasuredAgainstTheReferencesOwnLikeness() throws {
        let relative = WriterScorer(scoring: .relativeToReferences, typicalLikeness: 0.4)
        let a: [Float] = [1, 0, 0], b: [Float] = [0, 1, 0], c = WriterNetwork.normalized([1, 1, 0])
        // References a, b: alike 0 among themselves; c is at cosine 0.707 to both.
        XCTAssertEqual(try XCTUnwrap(WriterScorer.likeness([a, b])), 0, accuracy: 1e-9)
        XCTAssertEqual(relative.score(questioned: c, references: [a, b]), (1 + 0.5.squareRoot()) / 2, accuracy: 1e-6)
        // References a, c, c: alike (0.707 + 0.707 + 1)/3; a questioned c sits at (1 + 0.707 + 1)/3 of them.
        let among = (2 * 0.5.squareRoot() + 1) / 3, toThem = (0.5.squareRoot() + 2) / 3
        XCTAssertEqual(try XCTUnwrap(WriterScorer.likeness([a, c, c])), among, accuracy: 1e-6)
        XCTAssertEqual(relative.score(questioned: c, references: [a, c, c]), (1 + toThem - among) / 2, accuracy: 1e-6)
        XCTAssertEqual(relative.score(questioned: c, references: [c, c]), 0.5, accuracy: 1e-6, "as alike as the references: 0.5")
        XCTAssertNil(WriterScorer.likeness([a]))
        XCTAssertEqual(relative.score(questioned: c, references: [a]), (1 + 0.5.squareRoot() - 0.4) / 2, accuracy: 1e-6)
        XCTAssertEqual(relative.score(questioned: a, references: []), 0)
        let fitted = WriterScorer.fitted(.relativeToReferences, referenceSets: [[a, b], [a, c, c], [a]])
        XCTAssertEqual(fitted.typicalLikeness, (0 + among) / 2, accuracy: 1e-6, "sets of one reference have no likeness")
    }

    /// Bundles written before the scoring existed keep the mean-cosine score their threshold was chosen for.
    func testParametersWithoutAScoringScoreByMeanCosine() throws {
        let old = #"{"convolution_channels":[16],"embedding_size":8,"format":"sigverify-writer-model/1","input_height":16,"#
            + #""input_width":32,"preprocessing":{},"threshold":0.7,"training":{}}"#
        let p = try JSONDecoder().decode(WriterParameters.self, from: Data(old.utf8))
        XCTAssertEqual(p.scoring, .meanCosine)
        XCTAssertEqual(p.typicalLikeness, 0)
        let encoded = try JSONEncoder().encode(WriterParameters(scorer: WriterScorer(scoring: .relativeToReferences, typicalLikeness: 0.25)))
        let back = try JSONDecoder().decode(WriterParameters.self, from: encoded)
        XCTAssertEqual(back.scoring, .relativeToReferences)
        XCTAssertEqual(back.typicalLikeness, 0.25)
    }
}
