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

    func testMatchScoreProperties() throws {
        let a: [Float] = [1, 0, 0], b: [Float] = [0, 1, 0], c = WriterNetwork.normalized([1, 1, 0])
        XCTAssertEqual(WriterModel.matchScore(questioned: a, references: [a, a]), 1, accuracy: 1e-9)
        XCTAssertEqual(WriterModel.matchScore(questioned: a, references: [b]), 0.5, accuracy: 1e-9, "orthogonal: cosine 0")
        XCTAssertEqual(WriterModel.matchScore(questioned: a, references: [a, b]), 0.75, accuracy: 1e-9)
        XCTAssertEqual(WriterModel.matchScore(questioned: c, references: [a, b]), WriterModel.matchScore(questioned: c, references: [b, a]))
        XCTAssertEqual(WriterModel.matchScore(questioned: a, references: []), 0, "no references: no match")
        XCTAssertEqual(WriterModel.matchScore(questioned: [-1, 0, 0], references: [a]), 0, accuracy: 1e-9, "opposite: cosine −1")
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<50 {
            let q = (0..<8).map { _ in rng.nextUnitFloat() * 2 - 1 }
            let refs = (0..<3).map { _ in (0..<8).map { _ in rng.nextUnitFloat() * 2 - 1 } }
            XCTAssertTrue((0...1).contains(WriterModel.matchScore(questioned: q, references: refs)))
        }
    }
}
