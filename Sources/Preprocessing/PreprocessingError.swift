/// Why a preprocessing step refused its input. Stages never crash on odd input: an image they
/// cannot process (nothing to resize from, a nonsensical target size, an unknown profile) is a
/// typed error the caller can report next to the file name.
public enum PreprocessingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The image has no pixels, so there is nothing to interpolate from.
    case emptyImage
    /// A target size that is zero, negative or absurdly large.
    case invalidTargetSize(width: Int, height: Int)
    /// A profile name that no `PreprocessingProfile` answers to.
    case unknownProfile(String)
    /// A profile description whose version or parameters this build cannot honour.
    case unsupportedProfile(name: String, version: Int, reason: String)

    public var description: String {
        switch self {
        case .emptyImage:
            return "the image is empty (0 pixels)"
        case let .invalidTargetSize(width, height):
            return "invalid target size \(width)×\(height) (each side must be 1…\(PreprocessingLimits.maxTargetSide))"
        case let .unknownProfile(name):
            let known = PreprocessingProfile.all.map(\.name).joined(separator: ", ")
            return "unknown preprocessing profile '\(name)' (known: \(known))"
        case let .unsupportedProfile(name, version, reason):
            return "preprocessing profile '\(name)' version \(version) is not supported: \(reason)"
        }
    }
}

/// Bounds that keep a malformed request from allocating gigabytes.
public enum PreprocessingLimits {
    /// Largest side a resize target may have.
    public static let maxTargetSide = 16_384
}
