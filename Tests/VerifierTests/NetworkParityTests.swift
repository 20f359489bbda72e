import Foundation
import XCTest
import NeuralNet
import Verifier
import TestSupport

/// Parity of the Swift networks with the reference Keras model: inference outputs on the tiny and
/// (when present) full-size fixture, training-mode losses and every gradient on the tiny fixture.
final class NetworkParityTests: XCTestCase {
    struct Fixture {
        let parameters: VerifierParameters
        let autoencoder: Autoencoder
        let classifier: Classifier
        let outputs: [String: SafeTensors.RawTensor]
    }

    static func loadFixture(_ dir: URL) throws -> Fixture {
        let parameters = try JSONDecoder().decode(VerifierParameters.self,
                                                  from: Data(contentsOf: dir.appendingPathComponent("parameters.json")))
        let ae = try Autoencoder(parameters: parameters,
                                 weights: SafeTensors.read(contentsOf: dir.appendingPathComponent("autoencoder.safetensors")))
        let cls = try Classifier(parameters: parameters,
                                 weights: SafeTensors.read(contentsOf: dir.appendingPathComponent("classifier.safetensors")))
        let outputs = try SafeTensors.readRaw(contentsOf: dir.appendingPathComponent("reference_outputs.safetensors"))
        return Fixture(parameters: parameters, autoencoder: ae, classifier: cls, outputs: outputs)
    }

    static func tensor(_ raw: SafeTensors.RawTensor) -> Tensor { Tensor(shape: raw.shape, storage: raw.floats()) }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    func checkInference(_ f: Fixture, batch: Int? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let x = Self.tensor(f.outputs["x"]!)
        let latent = f.autoencoder.encode(x)
        let recon = f.autoencoder.decode(latent)
        let conf = f.classifier.predict(x)
        let mse = meanSquaredErrorPerImage(x, recon)
        let refLatent = f.outputs["latent"]!.floats(), refRecon = f.outputs["recon"]!.floats()
        let refConf = f.outputs["classifier_confidence"]!.floats(), refMSE = f.outputs["reconstruction_error"]!.floats()
        XCTAssertEqual(latent.shape, f.outputs["latent"]!.shape, file: file, line: line)
        XCTAssertEqual(recon.shape, x.shape, file: file, line: line)
        let dl = Self.maxAbsDiff(latent.storage, refLatent)
        let dr = Self.maxAbsDiff(recon.storage, refRecon)
        let dc = Self.maxAbsDiff(conf, refConf)
        let dm = zip(mse, refMSE).reduce(Float(0)) { max($0, abs($1.0 - $1.1) / max(abs($1.1), 1e-12)) }
        print("parity \(f.parameters.inputShape): latent max|Δ| \(dl), recon max|Δ| \(dr), confidence max|Δ| \(dc), MSE max rel \(dm)")
        XCTAssertLessThanOrEqual(dl, 1e-4, "latent", file: file, line: line)
        XCTAssertLessThanOrEqual(dr, 1e-4, "reconstruction", file: file, line: line)
        XCTAssertLessThanOrEqual(dc, 1e-4, "classifier confidence", file: file, line: line)
        XCTAssertLessThanOrEqual(dm, 1e-5, "reconstruction error", file: file, line: line)
    }

    func testTinyInferenceMatchesReference() throws {
        checkInference(try Self.loadFixture(FixturePaths.local("model_tiny")))
    }

    func testFullSizeInferenceMatchesReference() throws {
        guard let dir = FixturePaths.shared("model") else {
            throw XCTSkip("../shared/fixtures/model is absent: full-size parity not checked")
        }
        checkInference(try Self.loadFixture(dir))
    }

    func testBatchedInferenceEqualsSingleImageInference() throws {
        let f = try Self.loadFixture(FixturePaths.local("model_tiny"))
        let x = Self.tensor(f.outputs["x"]!)
        let batched = f.autoencoder.encode(x)
        let per = x.count / x.shape[0]
        for i in [0, 5, 11] {
            let xi = Tensor(shape: [1] + Array(x.shape.dropFirst()), storage: Array(x.storage[(i * per)..<((i + 1) * per)]))
            let zi = f.autoencoder.encode(xi)
            XCTAssertLessThanOrEqual(Self.maxAbsDiff(zi.storage, Array(batched.storage[(i * 16)..<((i + 1) * 16)])), 1e-5)
        }
    }

    func testTrainingLossesAndGradientsMatchReference() throws {
        let dir = FixturePaths.local("model_tiny")
        let f = try Self.loadFixture(dir)
        let ref = try SafeTensors.read(contentsOf: dir.appendingPathComponent("reference_gradients.safetensors"))
        var ae = try Autoencoder(parameters: f.parameters,
                                 weights: SafeTensors.read(contentsOf: dir.appendingPathComponent("autoencoder.safetensors")),
                                 dropoutRate: 0)
        var cls = try Classifier(parameters: f.parameters,
                                 weights: SafeTensors.read(contentsOf: dir.appendingPathComponent("classifier.safetensors")),
                                 dropoutRate: 0)
        let aeLoss = ae.computeGradients(batch: ref["ae/x"]!)
        let clsLoss = cls.computeGradients(batch: ref["cls/x"]!, labels: ref["cls/y"]!.storage)
        func rel(_ a: Float, _ b: Float) -> Float { abs(a - b) / abs(b) }
        let refData = ref["ae/data_loss"]!.storage[0], refTotal = ref["ae/total_loss"]!.storage[0], refCls = ref["cls/loss"]!.storage[0]
        print("losses: ae data \(aeLoss.dataLoss) vs \(refData), total \(aeLoss.totalLoss) vs \(refTotal), cls \(clsLoss.dataLoss) vs \(refCls)")
        XCTAssertLessThanOrEqual(rel(aeLoss.dataLoss, refData), 1e-5)
        XCTAssertLessThanOrEqual(rel(aeLoss.totalLoss, refTotal), 1e-5)
        XCTAssertLessThanOrEqual(rel(clsLoss.dataLoss, refCls), 1e-5)

        var worst: (String, Float) = ("", 0)
        for (prefix, grads) in [("ae/grad/", ae.gradients), ("cls/grad/", cls.gradients)] {
            let expectedNames = Set(ref.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) })
            XCTAssertEqual(Set(grads.keys), expectedNames, "\(prefix) gradient names")
            for name in expectedNames.sorted() {
                guard let g = grads[name], let r = ref[prefix + name] else { continue }
                XCTAssertEqual(g.shape, r.shape, name)
                let norm = r.storage.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
                let diff = zip(g.storage, r.storage).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                let relErr = diff / max(norm, 1e-20)
                if relErr > worst.1 { worst = (prefix + name, relErr) }
                XCTAssertLessThanOrEqual(relErr, 1e-3, "\(prefix)\(name): ‖Δ‖/‖ref‖ = \(relErr)")
            }
        }
        print("worst gradient relative error: \(worst.0) \(worst.1)")
    }

    func testExportedVariablesRoundTripThroughSafeTensors() throws {
        let dir = FixturePaths.local("model_tiny")
        let f = try Self.loadFixture(dir)
        let original = try SafeTensors.read(contentsOf: dir.appendingPathComponent("autoencoder.safetensors"))
        XCTAssertEqual(f.autoencoder.variables, original)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sigverify-cls-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(f.classifier.variables, to: url)
        let reloaded = try Classifier(parameters: f.parameters, weights: SafeTensors.read(contentsOf: url))
        XCTAssertEqual(reloaded.variables, f.classifier.variables)
    }

    func testLoadingRejectsMissingAndMisshapedTensors() throws {
        let dir = FixturePaths.local("model_tiny")
        let f = try Self.loadFixture(dir)
        var weights = f.autoencoder.variables
        weights["enc_bn2/moving_variance"] = nil
        XCTAssertThrowsError(try Autoencoder(parameters: f.parameters, weights: weights)) { e in
            XCTAssertEqual(e as? BundleError, .missingTensor("enc_bn2/moving_variance"))
        }
        weights = f.classifier.variables
        weights["cls_dense1/kernel"] = Tensor(shape: [10, 64])
        XCTAssertThrowsError(try Classifier(parameters: f.parameters, weights: weights)) { e in
            XCTAssertEqual(e as? BundleError, .shapeMismatch(name: "cls_dense1/kernel", expected: [1024, 64], found: [10, 64]))
        }
        var bad = f.parameters
        bad.inputShape = [30, 30, 1]
        XCTAssertThrowsError(try Autoencoder(parameters: bad, seed: 1)) { e in
            guard case BundleError.invalidParameters = e else { return XCTFail("\(e)") }
        }
    }
}
