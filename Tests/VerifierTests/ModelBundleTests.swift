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
        XCTAssertEqual(bundle.autoencoder.variables.count, 48)
        XCTAssertEqual(bundle.classifier.variables.count, 10)
        XCTAssertEqual(bundle.autoencoder.variables["latent/kernel"]?.shape, [1024, 16])
        XCTAssertEqual(bundle.autoencoder.variables["dec_dense/kernel"]?.shape, [16, 1024])
        XCTAssertEqual(bundle.classifier.variables["cls_dense1/kernel"]?.shape, [1024, 64])
        XCTAssertEqual(bundle.forest.featureCount, 16)
        XCTAssertEqual(bundle.version.count, ModelBundle.versionLength)
        XCTAssert(bundle.version.allSatisfy { "0123456789abcdef".contains($0) }, bundle.version)
        XCTAssertEqual(try ModelBundle.load(from: FixturePaths.local("model_tiny")).version, bundle.version)
    }

    func testLoadedNetworksHoldExactlyTheFixtureTensors() throws {
        let folder = FixturePaths.local("model_tiny")
        let bundle = try ModelBundle.load(from: folder)
        for (file, variables) in [(ModelBundle.autoencoderFile, bundle.autoencoder.variables),
                                  (ModelBundle.classifierFile, bundle.classifier.variables)] {
            let stored = try SafeTensors.read(contentsOf: folder.appendingPathComponent(file))
            XCTAssertEqual(variables, stored, file)
        }
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
        XCTAssertEqual(copy.autoencoder.variables, original.autoencoder.variables)
        XCTAssertEqual(copy.classifier.variables, original.classifier.variables)
        XCTAssertEqual(copy.forest, original.forest)
        XCTAssertEqual(try ModelBundle.load(from: copy.folder).version, copy.version)
        // Same content written twice → same bytes → same version.
        XCTAssertEqual(try copy.save(to: temporaryFolder()).version, copy.version)
        // One changed weight → new version.
        var weights = copy.classifier.variables
        weights["cls_out/bias"]!.storage[0] += 1
        let changed = try ModelBundle.write(parameters: copy.parameters, autoencoder: copy.autoencoder,
                                            classifier: Classifier(parameters: copy.parameters, weights: weights),
                                            forest: copy.forest, to: temporaryFolder())
        XCTAssertNotEqual(changed.version, copy.version)
        // So does a changed threshold.
        var parameters = copy.parameters
        parameters.reconstructionThreshold *= 2
        let retuned = try ModelBundle.write(parameters: parameters, autoencoder: copy.autoencoder,
                                            classifier: copy.classifier, forest: copy.forest, to: temporaryFolder())
        XCTAssertNotEqual(retuned.version, copy.version)
    }

    func testRejectsMissingTensor() throws {
        let folder = try tinyCopy()
        let url = folder.appendingPathComponent(ModelBundle.autoencoderFile)
        var tensors = try SafeTensors.read(contentsOf: url)
        tensors["dec_bn2/moving_variance"] = nil
        try SafeTensors.write(tensors, to: url)
        assertLoadFails(folder, { $0 == .missingTensor("dec_bn2/moving_variance") }, "missing tensor")
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

    func testRejectsNonFloat32Weights() throws {
        let folder = try tinyCopy()
        // A one-tensor F64 safetensors file in place of the classifier.
        let header = Array(#"{"cls_out/bias":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
        withUnsafeBytes(of: (0.5 as Double).bitPattern.littleEndian) { bytes += $0 }
        try Data(bytes).write(to: folder.appendingPathComponent(ModelBundle.classifierFile))
        assertLoadFails(folder, { $0 == .unsupportedDType(name: "cls_out/bias", dtype: "F64") }, "F64 weights")
    }

    func testWriteRejectsNetworksOfAnotherSize() throws {
        let bundle = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        var parameters = bundle.parameters
        parameters.latentDim = 8
        let folder = temporaryFolder()
        XCTAssertThrowsError(try ModelBundle.write(parameters: parameters, autoencoder: bundle.autoencoder,
                                                   classifier: bundle.classifier, forest: bundle.forest, to: folder)) {
            guard case .invalidParameters(let reason)? = $0 as? BundleError else { return XCTFail("\($0)") }
            XCTAssert(reason.contains("latent_dim 8"), reason)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path), "nothing is written for an invalid bundle")
    }
}
