import Foundation
import NeuralNet

/// A trained model as a folder (SPEC §5): both networks' weights as safetensors, the IsolationForest as
/// JSON and `parameters.json`. Loading validates every tensor's name and shape against the network the
/// parameters describe, so a broken bundle fails at load with the tensor's name rather than mid-inference.
/// `version` is a content hash of the files, recorded with every verdict.
public struct ModelBundle: Sendable {
    public static let parametersFile = "parameters.json"
    public static let autoencoderFile = "autoencoder.safetensors"
    public static let classifierFile = "classifier.safetensors"
    public static let forestFile = "iforest.json"
    /// The order in which the files enter the content hash.
    public static let hashedFiles = [parametersFile, autoencoderFile, classifierFile, forestFile]
    /// Hex digits of the SHA-256 kept as the version (64 bits: collisions are not a concern for a model registry).
    public static let versionLength = 16

    public let parameters: VerifierParameters
    /// Autoencoder variables by `"<layer>/<variable>"` (Keras layouts).
    public let autoencoderWeights: [String: Tensor]
    /// Classifier variables by `"<layer>/<variable>"`.
    public let classifierWeights: [String: Tensor]
    public let forest: IsolationForest
    /// Shortened hex SHA-256 over the bundle's files (see `hashedFiles`).
    public let version: String
    /// Where the bundle was loaded from.
    public let folder: URL

    private init(parameters: VerifierParameters, autoencoderWeights: [String: Tensor],
                 classifierWeights: [String: Tensor], forest: IsolationForest, version: String, folder: URL) {
        self.parameters = parameters
        self.autoencoderWeights = autoencoderWeights
        self.classifierWeights = classifierWeights
        self.forest = forest
        self.version = version
        self.folder = folder
    }

    // MARK: Loading

    /// Reads and validates the bundle in `folder`.
    public static func load(from folder: URL) throws(BundleError) -> ModelBundle {
        let parametersURL = folder.appendingPathComponent(parametersFile)
        let parameters: VerifierParameters
        do {
            parameters = try JSONDecoder().decode(VerifierParameters.self, from: try readFile(parametersURL))
        } catch let error as BundleError {
            throw error
        } catch {
            throw .invalidParameters("\(parametersURL.path): not a parameters document (\(error))")
        }
        let shapes = try Architecture(parameters: parameters, file: parametersURL.path)
        let autoencoderWeights = try readWeights(folder.appendingPathComponent(autoencoderFile),
                                                 expected: shapes.autoencoder)
        let classifierWeights = try readWeights(folder.appendingPathComponent(classifierFile),
                                                expected: shapes.classifier)
        let forestURL = folder.appendingPathComponent(forestFile)
        let forest: IsolationForest
        do {
            forest = try IsolationForest(jsonData: try readFile(forestURL))
        } catch let error as BundleError {
            throw error
        } catch {
            throw .invalidForest(file: forestURL.path, reason: "\(error)")
        }
        guard forest.featureCount == parameters.latentDim else {
            throw .invalidForest(file: forestURL.path,
                                 reason: "fitted on \(forest.featureCount) features, latent_dim is \(parameters.latentDim)")
        }
        let version = try contentHash(of: folder)
        return ModelBundle(parameters: parameters, autoencoderWeights: autoencoderWeights,
                           classifierWeights: classifierWeights, forest: forest, version: version, folder: folder)
    }

    // MARK: Saving

    /// Validates the parts, writes them as a bundle folder (created if needed) and returns the bundle as
    /// loaded back from disk — so its `version` is the hash of exactly the bytes written.
    @discardableResult
    public static func write(parameters: VerifierParameters, autoencoderWeights: [String: Tensor],
                             classifierWeights: [String: Tensor], forest: IsolationForest,
                             to folder: URL) throws(BundleError) -> ModelBundle {
        let parametersPath = folder.appendingPathComponent(parametersFile).path
        let shapes = try Architecture(parameters: parameters, file: parametersPath)
        let autoencoder = try select(autoencoderWeights, expected: shapes.autoencoder)
        let classifier = try select(classifierWeights, expected: shapes.classifier)
        let forestURL = folder.appendingPathComponent(forestFile)
        guard forest.featureCount == parameters.latentDim else {
            throw .invalidForest(file: forestURL.path,
                                 reason: "fitted on \(forest.featureCount) features, latent_dim is \(parameters.latentDim)")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(file: folder.path, reason: "cannot create folder (\(error))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let parametersData: Data
        do {
            parametersData = try encoder.encode(parameters)
        } catch {
            throw .invalidParameters("\(parametersPath): cannot encode (\(error))")
        }
        let forestData: Data
        do {
            forestData = try forest.jsonData()
        } catch {
            throw .invalidForest(file: forestURL.path, reason: "\(error)")
        }
        try SafeTensors.write(autoencoder, to: folder.appendingPathComponent(autoencoderFile))
        try SafeTensors.write(classifier, to: folder.appendingPathComponent(classifierFile))
        try writeFile(forestData, to: forestURL)
        try writeFile(parametersData, to: URL(fileURLWithPath: parametersPath))
        return try load(from: folder)
    }

    /// Writes this bundle's parts to `folder` (see `write(parameters:…)`). The JSON files are re-encoded,
    /// so the copy's version differs from the original's when those bytes differ.
    @discardableResult
    public func save(to folder: URL) throws(BundleError) -> ModelBundle {
        try Self.write(parameters: parameters, autoencoderWeights: autoencoderWeights,
                       classifierWeights: classifierWeights, forest: forest, to: folder)
    }

    // MARK: Version

    /// SHA-256 over the bundle's files in `hashedFiles` order, each framed by its name and byte length so
    /// no two different bundles hash the same stream; shortened to `versionLength` hex digits.
    public static func contentHash(of folder: URL) throws(BundleError) -> String {
        var hasher = SHA256()
        for name in hashedFiles {
            let data = try readFile(folder.appendingPathComponent(name))
            hasher.update(Array(name.utf8) + [0])
            withUnsafeBytes(of: UInt64(data.count).littleEndian) { hasher.update($0) }
            data.withUnsafeBytes { hasher.update($0.bindMemory(to: UInt8.self)) }
        }
        return String(SHA256.hex(hasher.finalize()).prefix(versionLength))
    }

    // MARK: Expected tensors

    /// Every tensor name and shape the autoencoder of `parameters` has (SPEC §3, Keras layouts).
    public static func expectedAutoencoderShapes(for parameters: VerifierParameters) throws(BundleError) -> [String: [Int]] {
        try Architecture(parameters: parameters, file: parametersFile).autoencoder
    }

    /// Every tensor name and shape the classifier of `parameters` has.
    public static func expectedClassifierShapes(for parameters: VerifierParameters) throws(BundleError) -> [String: [Int]] {
        try Architecture(parameters: parameters, file: parametersFile).classifier
    }

    /// The two networks' variable shapes, derived from the input size and latent size.
    private struct Architecture {
        var autoencoder: [String: [Int]] = [:]
        var classifier: [String: [Int]] = [:]

        init(parameters p: VerifierParameters, file: String) throws(BundleError) {
            guard p.inputShape.count == 3, p.inputShape[2] == 1 else {
                throw .invalidParameters("\(file): input_shape \(p.inputShape) is not [height, width, 1]")
            }
            let (h, w) = (p.inputShape[0], p.inputShape[1])
            // Four 2×2 poolings, then four stride-2 transposed convolutions back: sizes must divide by 16.
            guard h >= 16, w >= 16, h % 16 == 0, w % 16 == 0 else {
                throw .invalidParameters("\(file): input size \(h)×\(w) is not a positive multiple of 16")
            }
            // Classifier: valid 3×3 conv, 2×2 pool, conv, pool, conv.
            let classifierSide = { (s: Int) in ((s - 2) / 2 - 2) / 2 - 2 }
            let (ch, cw) = (classifierSide(h), classifierSide(w))
            guard ch >= 1, cw >= 1 else {
                throw .invalidParameters("\(file): input size \(h)×\(w) is too small for the classifier")
            }
            guard p.latentDim >= 1 else {
                throw .invalidParameters("\(file): latent_dim \(p.latentDim) must be ≥ 1")
            }
            for (name, value) in [("reconstruction_threshold", p.reconstructionThreshold),
                                  ("anomaly_score_min", p.anomalyScoreMin),
                                  ("classifier_confidence_min", p.classifierConfidenceMin)] where !value.isFinite {
                throw .invalidParameters("\(file): \(name) is not a finite number")
            }
            let bottleneck = (h / 16) * (w / 16) * 256
            func conv(_ name: String, _ cin: Int, _ cout: Int, into table: inout [String: [Int]]) {
                table["\(name)/kernel"] = [3, 3, cin, cout]
                table["\(name)/bias"] = [cout]
            }
            func deconv(_ name: String, _ cin: Int, _ cout: Int) {
                autoencoder["\(name)/kernel"] = [3, 3, cout, cin]
                autoencoder["\(name)/bias"] = [cout]
            }
            func dense(_ name: String, _ nin: Int, _ nout: Int, into table: inout [String: [Int]]) {
                table["\(name)/kernel"] = [nin, nout]
                table["\(name)/bias"] = [nout]
            }
            func batchNorm(_ name: String, _ c: Int) {
                for v in ["gamma", "beta", "moving_mean", "moving_variance"] { autoencoder["\(name)/\(v)"] = [c] }
            }
            var cin = 1
            for (i, c) in [32, 64, 128, 256].enumerated() {
                conv("enc_conv\(i + 1)", cin, c, into: &autoencoder)
                batchNorm("enc_bn\(i + 1)", c)
                cin = c
            }
            dense("latent", bottleneck, p.latentDim, into: &autoencoder)
            dense("dec_dense", p.latentDim, bottleneck, into: &autoencoder)
            cin = 256
            for (i, c) in [128, 64, 32].enumerated() {
                deconv("dec_deconv\(i + 1)", cin, c)
                batchNorm("dec_bn\(i + 1)", c)
                cin = c
            }
            deconv("dec_out", 32, 1)

            conv("cls_conv1", 1, 32, into: &classifier)
            conv("cls_conv2", 32, 64, into: &classifier)
            conv("cls_conv3", 64, 64, into: &classifier)
            dense("cls_dense1", ch * cw * 64, 64, into: &classifier)
            dense("cls_out", 64, 1, into: &classifier)
        }
    }

    // MARK: File helpers

    private static func readFile(_ url: URL) throws(BundleError) -> Data {
        do {
            return try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .missingFile(url.path)
        }
    }

    private static func writeFile(_ data: Data, to url: URL) throws(BundleError) {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .writeFailed(file: url.path, reason: "\(error)")
        }
    }

    /// Reads a safetensors file and keeps exactly the expected tensors, which must be F32 and of the expected shape.
    private static func readWeights(_ url: URL, expected: [String: [Int]]) throws(BundleError) -> [String: Tensor] {
        let raw = try SafeTensors.readRaw(contentsOf: url)
        var out: [String: Tensor] = [:]
        for name in expected.keys.sorted() {
            guard let t = raw[name] else { throw .missingTensor("\(url.lastPathComponent): \(name)") }
            guard t.dtype == .f32 else { throw .unsupportedDType(name: name, dtype: t.dtype.rawValue) }
            guard t.shape == expected[name]! else {
                throw .shapeMismatch(name: name, expected: expected[name]!, found: t.shape)
            }
            out[name] = Tensor(shape: t.shape, storage: t.floats())
        }
        return out
    }

    /// Checks in-memory weights against the expected table, keeping exactly the expected tensors.
    private static func select(_ weights: [String: Tensor], expected: [String: [Int]]) throws(BundleError) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for name in expected.keys.sorted() {
            guard let t = weights[name] else { throw .missingTensor(name) }
            guard t.shape == expected[name]! else {
                throw .shapeMismatch(name: name, expected: expected[name]!, found: t.shape)
            }
            out[name] = t
        }
        return out
    }
}
