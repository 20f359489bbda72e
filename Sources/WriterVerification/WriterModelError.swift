import Preprocessing
import Verifier

/// Why a writer model could not be loaded, saved or run. Every case names the file or image at fault.
public enum WriterModelError: Error, CustomStringConvertible, Equatable {
    /// A bundle file is missing, damaged, tampered with (manifest), or holds unusable weights.
    case bundle(BundleError)
    /// The bundle has no `manifest.json`: writer bundles are always saved with one.
    case missingManifest(folder: String)
    /// `writer.json` is unreadable or describes a network that cannot be built.
    case invalidParameters(file: String, reason: String)
    /// Image `index` of an `embeddings(of:)` call could not be preprocessed.
    case preprocessing(index: Int, PreprocessingError)
    /// The network gave a NaN or ±∞ embedding for image `index` (a broken model, never a score).
    case nonFiniteEmbedding(index: Int)

    public var description: String {
        switch self {
        case .bundle(let e): return "writer model: \(e)"
        case .missingManifest(let f): return "writer model \(f): no manifest.json (writer bundles are always saved with one)"
        case .invalidParameters(let f, let r): return "writer model \(f): \(r)"
        case .preprocessing(let i, let e): return "image \(i + 1): \(e)"
        case .nonFiniteEmbedding(let i): return "image \(i + 1): the writer network gave a non-finite embedding"
        }
    }
}
