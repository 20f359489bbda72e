import Foundation
import Imaging
import NeuralNet
import Preprocessing
import Verifier

/// The writer-verification model: a bundle folder (`writer.json`, `writer.safetensors`,
/// `manifest.json`) turning decoded scans into L2-normalised embeddings in which one person's
/// signatures lie close together, and a match score of a questioned embedding against a subject's
/// reference embeddings.
public struct WriterModel: Sendable {
    public static let parametersFile = "writer.json"
    public static let weightsFile = "writer.safetensors"
    /// The files the version and the manifest cover, in hashing order.
    public static let hashedFiles = [parametersFile, weightsFile]

    public let parameters: WriterParameters
    public let network: WriterNetwork
    public let preprocessing: WriterPreprocessing
    /// The first 16 hex digits of SHA-256 over the bundle's files (as `ModelBundle`'s version).
    public let version: String
    public let folder: URL

    /// Match when `matchScore ≥ threshold`.
    public var threshold: Double { parameters.threshold }
    /// How `matchScore` scores (`writer.json`'s `scoring` and `typical_reference_likeness`).
    public var scorer: WriterScorer { WriterScorer(scoring: parameters.scoring, typicalLikeness: parameters.typicalLikeness) }
    public var embeddingSize: Int { parameters.embeddingSize }

    /// Reads the bundle in `directory`: the manifest is checked before anything is parsed (a bundle
    /// without one, or with a file that does not match it, is refused), the weight shapes before the
    /// network is built.
    public static func load(from directory: URL) throws -> WriterModel {
        try loadTyped(from: directory)
    }

    static func loadTyped(from directory: URL) throws(WriterModelError) -> WriterModel {
        let version = try checkedVersion(of: directory)
        let parametersURL = directory.appendingPathComponent(parametersFile)
        let parameters: WriterParameters
        do {
            parameters = try JSONDecoder().decode(WriterParameters.self, from: try BundleFiles.readFile(parametersURL))
        } catch {
            throw .invalidParameters(file: parametersURL.path, reason: "not a writer parameters document (\(error))")
        }
        let weightsURL = directory.appendingPathComponent(weightsFile)
        let weights: [String: Tensor]
        do { weights = try BundleFiles.readWeights(weightsURL) } catch { throw .bundle(error) }
        let network = try WriterNetwork(parameters: parameters, weights: weights)
        return WriterModel(parameters: parameters, network: network, preprocessing: try WriterPreprocessing(parameters: parameters),
                           version: version, folder: directory)
    }

    /// The bundle's version, after its files were checked against its manifest (which it must have).
    static func checkedVersion(of directory: URL) throws(WriterModelError) -> String {
        let fingerprint: (version: String, digests: [String: String])
        let listed: Bool
        do {
            fingerprint = try BundleFiles.fingerprint(of: directory, files: hashedFiles)
            listed = try BundleFiles.verifyManifest(in: directory, files: hashedFiles, digests: fingerprint.digests)
        } catch {
            throw .bundle(error)
        }
        guard listed else { throw .missingManifest(folder: directory.path) }
        return fingerprint.version
    }

    /// Writes `network` (with `parameters`, which carry the threshold) as a bundle in `directory`
    /// with its manifest, and returns it as loaded back — so `version` hashes exactly the bytes written.
    @discardableResult
    public static func write(_ network: WriterNetwork, parameters: WriterParameters, to directory: URL) throws -> WriterModel {
        if let problem = parameters.problem { throw WriterModelError.invalidParameters(file: parametersFile, reason: problem) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try BundleFiles.writeFile(try encoder.encode(parameters), to: directory.appendingPathComponent(parametersFile))
        try SafeTensors.write(network.variables, to: directory.appendingPathComponent(weightsFile))
        try BundleFiles.writeManifest(in: directory, files: hashedFiles)
        return try loadTyped(from: directory)
    }
}
