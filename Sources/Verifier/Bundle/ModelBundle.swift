import Foundation
import NeuralNet

/// A trained model as a folder (SPEC §5): both networks' weights as safetensors, the IsolationForest as
/// JSON and `parameters.json`. Loading builds both networks from the parameters and checks every tensor's
/// name and shape against them, so a broken bundle fails at load naming the tensor rather than mid-inference.
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
    public let autoencoder: Autoencoder
    public let classifier: Classifier
    public let forest: IsolationForest
    /// Shortened hex SHA-256 over the bundle's files (see `hashedFiles`).
    public let version: String
    /// Where the bundle was loaded from.
    public let folder: URL

    private init(parameters: VerifierParameters, autoencoder: Autoencoder, classifier: Classifier,
                 forest: IsolationForest, version: String, folder: URL) {
        self.parameters = parameters
        self.autoencoder = autoencoder
        self.classifier = classifier
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
            throw .invalidParameters("\(parametersURL.path): not a parameters document (\(describeDecodingError(error)))")
        }
        try validate(parameters, file: parametersURL.path)
        let autoencoder = try Autoencoder(
            parameters: parameters, weights: readWeights(folder.appendingPathComponent(autoencoderFile)))
        let classifier = try Classifier(
            parameters: parameters, weights: readWeights(folder.appendingPathComponent(classifierFile)))
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
        return ModelBundle(parameters: parameters, autoencoder: autoencoder, classifier: classifier,
                           forest: forest, version: version, folder: folder)
    }

    // MARK: Saving

    /// Validates the parts, writes them as a bundle folder (created if needed) and returns the bundle as
    /// loaded back from disk — so its `version` is the hash of exactly the bytes written.
    @discardableResult
    public static func write(parameters: VerifierParameters, autoencoder: Autoencoder, classifier: Classifier,
                             forest: IsolationForest, to folder: URL) throws(BundleError) -> ModelBundle {
        let parametersPath = folder.appendingPathComponent(parametersFile).path
        try validate(parameters, file: parametersPath)
        guard autoencoder.inputShape == parameters.inputShape, autoencoder.latentDim == parameters.latentDim,
              classifier.inputShape == parameters.inputShape else {
            throw .invalidParameters("\(parametersPath): networks built for input \(autoencoder.inputShape) latent "
                + "\(autoencoder.latentDim) / classifier \(classifier.inputShape) do not match input_shape "
                + "\(parameters.inputShape), latent_dim \(parameters.latentDim)")
        }
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
        try SafeTensors.write(autoencoder.variables, to: folder.appendingPathComponent(autoencoderFile))
        try SafeTensors.write(classifier.variables, to: folder.appendingPathComponent(classifierFile))
        try writeFile(forestData, to: forestURL)
        try writeFile(parametersData, to: URL(fileURLWithPath: parametersPath))
        return try load(from: folder)
    }

    /// Writes this bundle's parts to `folder` (see `write(parameters:…)`). The JSON files are re-encoded,
    /// so the copy's version differs from the original's when those bytes differ.
    @discardableResult
    public func save(to folder: URL) throws(BundleError) -> ModelBundle {
        try Self.write(parameters: parameters, autoencoder: autoencoder, classifier: classifier,
                       forest: forest, to: folder)
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

    // MARK: Validation

    /// What the networks do not check themselves: a single gray channel and finite thresholds.
    /// (Sizes and tensor shapes are checked by building the networks.)
    private static func validate(_ p: VerifierParameters, file: String) throws(BundleError) {
        guard p.inputShape.count == 3, p.inputShape[2] == 1 else {
            throw .invalidParameters("\(file): input_shape \(p.inputShape) is not [height, width, 1]")
        }
        for (name, value) in [("reconstruction_threshold", p.reconstructionThreshold),
                              ("anomaly_score_min", p.anomalyScoreMin),
                              ("classifier_confidence_min", p.classifierConfidenceMin)] where !value.isFinite {
            throw .invalidParameters("\(file): \(name) is not a finite number")
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

    /// Reads a safetensors file, requiring F32 (the bundle format); names and shapes are checked by the network.
    private static func readWeights(_ url: URL) throws(BundleError) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, t) in try SafeTensors.readRaw(contentsOf: url) {
            guard t.dtype == .f32 else { throw .unsupportedDType(name: name, dtype: t.dtype.rawValue) }
            out[name] = Tensor(shape: t.shape, storage: t.floats())
        }
        return out
    }
}
