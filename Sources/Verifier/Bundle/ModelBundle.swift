import Foundation
import NeuralNet

/// A trained model as a folder (SPEC §5): both networks' weights as safetensors, the IsolationForest as
/// JSON and `parameters.json`. Loading builds both networks from the parameters and checks every tensor's
/// name and shape against them, so a broken bundle fails at load naming the tensor rather than mid-inference.
/// `version` is a content hash of the files, recorded with every verdict. Bundles saved by this
/// build also carry `manifest.json` (each file's SHA-256), checked before anything is parsed; sizes
/// are bounded and every weight must be finite, so a damaged or edited bundle is refused at load
/// naming the file, never loaded to score NaN or to attempt a giant allocation.
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
    /// True when the files were checked against a `manifest.json`; false for a bundle saved before
    /// manifests existed (loaded unchecked — callers may warn).
    public let hasManifest: Bool

    private init(parameters: VerifierParameters, autoencoder: Autoencoder, classifier: Classifier,
                 forest: IsolationForest, version: String, folder: URL, hasManifest: Bool) {
        self.parameters = parameters
        self.autoencoder = autoencoder
        self.classifier = classifier
        self.forest = forest
        self.version = version
        self.folder = folder
        self.hasManifest = hasManifest
    }

    // MARK: Loading

    /// Reads and validates the bundle in `folder`: the manifest (when there is one) before anything
    /// is parsed, the parameters' sizes before any network is built, and the size-dependent tensors'
    /// shapes before the networks allocate them.
    public static func load(from folder: URL) throws(BundleError) -> ModelBundle {
        let (version, digests) = try fingerprint(of: folder)
        let hasManifest = try verifyManifest(in: folder, digests: digests)
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
        let autoencoderWeights = try BundleFiles.readWeights(folder.appendingPathComponent(autoencoderFile))
        let classifierWeights = try BundleFiles.readWeights(folder.appendingPathComponent(classifierFile))
        try checkSizeDependentTensors(parameters, autoencoderWeights.merging(classifierWeights) { a, _ in a })
        let autoencoder = try Autoencoder(parameters: parameters, weights: autoencoderWeights)
        let classifier = try Classifier(parameters: parameters, weights: classifierWeights)
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
        return ModelBundle(parameters: parameters, autoencoder: autoencoder, classifier: classifier,
                           forest: forest, version: version, folder: folder, hasManifest: hasManifest)
    }

    // MARK: Saving

    /// Validates the parts, writes them as a bundle folder (created if needed) with a `manifest.json`
    /// of their SHA-256, and returns the bundle as loaded back from disk — so its `version` is the
    /// hash of exactly the bytes written.
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
        try BundleFiles.writeFile(forestData, to: forestURL)
        try BundleFiles.writeFile(parametersData, to: URL(fileURLWithPath: parametersPath))
        try writeManifest(in: folder)
        return try load(from: folder)
    }

    /// Writes this bundle's parts to `folder` (see `write(parameters:…)`). The JSON files are re-encoded,
    /// so the copy's version differs from the original's when those bytes differ.
    @discardableResult
    public func save(to folder: URL) throws(BundleError) -> ModelBundle {
        try Self.write(parameters: parameters, autoencoder: autoencoder, classifier: classifier,
                       forest: forest, to: folder)
    }

    // MARK: Validation

    /// What the networks do not check themselves: a single gray channel, sizes within the limits
    /// of `VerifierParameters` and finite thresholds. (Other shapes are checked by the networks.)
    private static func validate(_ p: VerifierParameters, file: String) throws(BundleError) {
        if let problem = p.sizeProblem { throw .invalidParameters("\(file): \(problem)") }
        for (name, value) in [("reconstruction_threshold", p.reconstructionThreshold),
                              ("anomaly_score_min", p.anomalyScoreMin),
                              ("classifier_confidence_min", p.classifierConfidenceMin)] where !value.isFinite {
            throw .invalidParameters("\(file): \(name) is not a finite number")
        }
    }

    /// The tensors whose size follows from the parameters must have exactly that shape before a
    /// network allocates them: an edited `input_shape` or `latent_dim` cannot cost more memory than
    /// the weight files hold.
    private static func checkSizeDependentTensors(_ p: VerifierParameters, _ weights: [String: Tensor]) throws(BundleError) {
        for (name, shape) in p.sizeDependentTensors {
            guard let found = weights[name] else { throw .missingTensor(name) }
            guard found.shape == shape else { throw .shapeMismatch(name: name, expected: shape, found: found.shape) }
        }
    }
}
