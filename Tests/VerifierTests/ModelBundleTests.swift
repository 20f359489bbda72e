import Foundation
import XCTest
import NeuralNet
import TestSupport
import Verifier

final class ModelBundleTests: XCTestCase {
    private var temporaryFolders: [URL] = []

    override func tearDown() {
        for url in temporaryFolders { try? FileManager.default.removeItem(at: url) }
        temporaryFolders = []
        super.tearDown()
    }

    private func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sigverify-bundle-\(UUID().uuidString)")
        temporaryFolders.append(url)
        return url
    }

    /// A copy of the tiny fixture bundle that a test may damage.
    private func tinyCopy() throws -> URL {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ModelBundle.hashedFiles {
            try FileManager.default.copyItem(at: FixturePaths.local("model_tiny").appendingPathComponent(name),
                                             to: folder.appendingPathComponent(name))
        }
        return folder
    }

    private func assertLoadFails(_ folder: URL, _ check: (BundleError) -> Bool, _ message: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ModelBundle.load(from: folder), message, file: file, line: line) { error in
            guard let e = error as? BundleError else { return XCTFail("not a BundleError: \(error)", file: file, line: line) }
            XCTAssert(check(e), "\(message): got \(e)", file: file, line: line)
        }
    }

    func testLoadsTinyFixture() throws {
        let bundle = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        XCTAssertEqual(bundle.parameters.inputShape, [32, 32, 1])
        XCTAssertEqual(bundle.parameters.latentDim, 16)
        XCTAssertEqual(bundle.parameters.preprocessingProfile, .seed)
        XCTAssertEqual(bundle.autoencoderWeights.count, 48)
        XCTAssertEqual(bundle.classifierWeights.count, 10)
        XCTAssertEqual(bundle.autoencoderWeights["latent/kernel"]?.shape, [1024, 16])
        XCTAssertEqual(bundle.autoencoderWeights["dec_dense/kernel"]?.shape, [16, 1024])
        XCTAssertEqual(bundle.classifierWeights["cls_dense1/kernel"]?.shape, [1024, 64])
        XCTAssertEqual(bundle.forest.featureCount, 16)
        XCTAssertEqual(bundle.version.count, ModelBundle.versionLength)
        XCTAssert(bundle.version.allSatisfy { "0123456789abcdef".contains($0) }, bundle.version)
        XCTAssertEqual(try ModelBundle.load(from: FixturePaths.local("model_tiny")).version, bundle.version)
    }

    func testExpectedShapesAreExactlyTheFixtureTensors() throws {
        let folder = FixturePaths.local("model_tiny")
        let parameters = try ModelBundle.load(from: folder).parameters
        for (file, expected) in [(ModelBundle.autoencoderFile, try ModelBundle.expectedAutoencoderShapes(for: parameters)),
                                 (ModelBundle.classifierFile, try ModelBundle.expectedClassifierShapes(for: parameters))] {
            let stored = try SafeTensors.readRaw(contentsOf: folder.appendingPathComponent(file))
            XCTAssertEqual(Set(stored.keys), Set(expected.keys), file)
            for (name, t) in stored { XCTAssertEqual(t.shape, expected[name], name) }
        }
    }

    func testFullSizeShapesFollowTheSpecTable() throws {
        let p = VerifierParameters(inputShape: [224, 224, 1], latentDim: 128, reconstructionThreshold: 0.01)
        let ae = try ModelBundle.expectedAutoencoderShapes(for: p)
        let cls = try ModelBundle.expectedClassifierShapes(for: p)
        XCTAssertEqual(ae["latent/kernel"], [50176, 128])
        XCTAssertEqual(ae["dec_dense/bias"], [50176])
        XCTAssertEqual(ae["dec_deconv1/kernel"], [3, 3, 128, 256])
        XCTAssertEqual(ae["dec_out/kernel"], [3, 3, 1, 32])
        XCTAssertEqual(cls["cls_dense1/kernel"], [173056, 64])
        XCTAssertEqual(ae.count, 48)
        XCTAssertEqual(cls.count, 10)
    }

    func testLoadsFullFixture() throws {
        guard let folder = FixturePaths.shared("model") else { throw XCTSkip("../shared/fixtures/model is absent") }
        let bundle = try ModelBundle.load(from: folder)
        XCTAssertEqual(bundle.parameters.inputShape, [224, 224, 1])
        XCTAssertEqual(bundle.parameters.latentDim, 128)
        XCTAssertEqual(bundle.forest.featureCount, 128)
    }

    func testSaveLoadRoundTrip() throws {
        let original = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        let copy = try original.save(to: temporaryFolder())
        XCTAssertEqual(copy.parameters, original.parameters)
        XCTAssertEqual(copy.autoencoderWeights, original.autoencoderWeights)
        XCTAssertEqual(copy.classifierWeights, original.classifierWeights)
        XCTAssertEqual(copy.forest, original.forest)
        XCTAssertEqual(try ModelBundle.load(from: copy.folder).version, copy.version)
        // Same content written twice → same bytes → same version.
        XCTAssertEqual(try copy.save(to: temporaryFolder()).version, copy.version)
        // One changed weight → new version.
        var weights = copy.classifierWeights
        weights["cls_out/bias"]!.storage[0] += 1
        let changed = try ModelBundle.write(parameters: copy.parameters, autoencoderWeights: copy.autoencoderWeights,
                                            classifierWeights: weights, forest: copy.forest, to: temporaryFolder())
        XCTAssertNotEqual(changed.version, copy.version)
        // So does a changed threshold.
        var parameters = copy.parameters
        parameters.reconstructionThreshold *= 2
        let retuned = try ModelBundle.write(parameters: parameters, autoencoderWeights: copy.autoencoderWeights,
                                            classifierWeights: copy.classifierWeights, forest: copy.forest, to: temporaryFolder())
        XCTAssertNotEqual(retuned.version, copy.version)
    }

    func testRejectsMissingTensor() throws {
        let folder = try tinyCopy()
        let url = folder.appendingPathComponent(ModelBundle.autoencoderFile)
        var tensors = try SafeTensors.read(contentsOf: url)
        tensors["dec_bn2/moving_variance"] = nil
        try SafeTensors.write(tensors, to: url)
        assertLoadFails(folder, {
            if case .missingTensor(let n) = $0 { return n.contains("dec_bn2/moving_variance") }
            return false
        }, "missing tensor")
        XCTAssert("\(BundleError.missingTensor("dec_bn2/moving_variance"))".contains("dec_bn2/moving_variance"))
    }

    func testRejectsMisShapedTensor() throws {
        let folder = try tinyCopy()
        let url = folder.appendingPathComponent(ModelBundle.classifierFile)
        var tensors = try SafeTensors.read(contentsOf: url)
        tensors["cls_conv2/kernel"] = Tensor(shape: [3, 3, 64, 32])
        try SafeTensors.write(tensors, to: url)
        assertLoadFails(folder, {
            $0 == .shapeMismatch(name: "cls_conv2/kernel", expected: [3, 3, 32, 64], found: [3, 3, 64, 32])
        }, "mis-shaped tensor")
    }

    func testRejectsTruncatedWeights() throws {
        let folder = try tinyCopy()
        let url = folder.appendingPathComponent(ModelBundle.autoencoderFile)
        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 100).write(to: url)
        assertLoadFails(folder, {
            if case .truncatedData = $0 { return true }
            return false
        }, "truncated file")
    }

    func testRejectsMissingFiles() throws {
        for name in ModelBundle.hashedFiles {
            let folder = try tinyCopy()
            try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            assertLoadFails(folder, { $0 == .missingFile(folder.appendingPathComponent(name).path) }, "missing \(name)")
        }
    }

    func testRejectsForestOfWrongLatentSize() throws {
        let folder = try tinyCopy()
        let forest = try IsolationForest.fit(Tensor(shape: [10, 3], storage: (0..<30).map(Float.init)), nEstimators: 2, seed: 1)
        try forest.jsonData().write(to: folder.appendingPathComponent(ModelBundle.forestFile))
        assertLoadFails(folder, {
            if case .invalidForest(_, let reason) = $0 { return reason.contains("3 features") }
            return false
        }, "forest of 3 features")
        try Data("{}".utf8).write(to: folder.appendingPathComponent(ModelBundle.forestFile))
        assertLoadFails(folder, {
            if case .invalidForest = $0 { return true }
            return false
        }, "empty forest JSON")
    }

    func testRejectsImpossibleParameters() throws {
        let folder = try tinyCopy()
        let url = folder.appendingPathComponent(ModelBundle.parametersFile)
        for (json, fragment) in [
            (#"{"input_shape":[30,30,1],"latent_dim":16,"reconstruction_threshold":0.2,"anomaly_score_min":-0.5,"classifier_confidence_min":0.5}"#, "multiple of 16"),
            (#"{"input_shape":[32,32,3],"latent_dim":16,"reconstruction_threshold":0.2,"anomaly_score_min":-0.5,"classifier_confidence_min":0.5}"#, "[height, width, 1]"),
            (#"{"input_shape":[32,32,1],"latent_dim":0,"reconstruction_threshold":0.2,"anomaly_score_min":-0.5,"classifier_confidence_min":0.5}"#, "latent_dim"),
            (#"{"input_shape":[32,32,1],"latent_dim":16}"#, "reconstruction_threshold"),
        ] {
            try Data(json.utf8).write(to: url)
            assertLoadFails(folder, {
                if case .invalidParameters(let reason) = $0 { return reason.contains(fragment) }
                return false
            }, "parameters \(json)")
        }
    }

    func testWriteRejectsIncompleteWeights() throws {
        let bundle = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        var weights = bundle.autoencoderWeights
        weights["latent/bias"] = Tensor(shape: [15])
        let folder = temporaryFolder()
        XCTAssertThrowsError(try ModelBundle.write(parameters: bundle.parameters, autoencoderWeights: weights,
                                                   classifierWeights: bundle.classifierWeights, forest: bundle.forest,
                                                   to: folder)) {
            XCTAssertEqual($0 as? BundleError, .shapeMismatch(name: "latent/bias", expected: [16], found: [15]))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path), "nothing is written for an invalid bundle")
    }
}
