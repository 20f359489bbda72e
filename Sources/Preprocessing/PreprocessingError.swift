import Imaging

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
    /// The scan is more elongated than any signature crop (`PreprocessingLimits.maxAspectRatio`):
    /// refused before any stage runs.
    case extremeAspectRatio(width: Int, height: Int, limit: Int)
    /// The scan (`stage` = `.gray`) or a canvas a stage derives from it (`.cropped`: the ink's box
    /// plus its margin) would have more pixels than the budget that admitted the scan.
    case overPixelBudget(stage: PreprocessingStage, width: Int, height: Int, budget: Int)

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
        case let .extremeAspectRatio(width, height, limit):
            let ratio = max(width, height) / max(1, min(width, height))
            return "scan is \(width)×\(height): aspect ratio \(ratio):1 is over \(limit):1 (no signature crop is that elongated)"
        case let .overPixelBudget(stage, width, height, budget):
            let size = "\(width)×\(height) = \(pixels(width.multipliedReportingOverflow(by: height).partialValue))"
            let what = stage == .gray ? "scan is \(size)" : "the \(stage.rawValue) canvas would be \(size)"
            return "\(what), over the pixel budget of \(pixels(budget)) that admitted the scan"
        }
    }

    /// `25.0 MP` from a megapixel up, else `40000 pixels`.
    private func pixels(_ count: Int) -> String {
        guard count >= 1_000_000 else { return "\(count) pixels" }
        let tenths = (count + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10) MP"
    }
}

/// Bounds that keep a malformed request — or a hostile scan — from allocating gigabytes.
public enum PreprocessingLimits {
    /// Largest side a resize target may have.
    public static let maxTargetSide = 16_384

    /// Longest side over shortest side a scan may have. A real signature crop is never more
    /// elongated than about 50:1 (a long name on a 2 mm strip); 100:1 leaves twice that. Beyond it
    /// the scan carries no signature (a 1×1,000,000 strip stretched or padded to 224² is noise,
    /// and a verdict on it would look like a judgement in the audit trail), while every row or column
    /// buffer of every stage stays within √(100 × budget) entries.
    public static let maxAspectRatio = 100

    /// Scans whose longer side is at most this many pixels are never refused for their shape: at
    /// that size every stage stays within a few MB and milliseconds whatever the shape (the crop
    /// canvas of a 1×4096 line of ink is 411×4506), so tiny degenerate inputs still get a result.
    public static let aspectRatioFreeSide = 4096

    /// The pixel budget when the caller names none: the decoder's own limit.
    public static let defaultMaxPixels = DecodeOptions.defaultMaxPixels

    /// Refuses a scan over the pixel budget, or more elongated than `maxAspectRatio` with a longer
    /// side over `aspectRatioFreeSide` (empty scans are left to the stages, which say `emptyImage`).
    static func checkScan(_ image: GrayImage, maxPixels: Int) throws(PreprocessingError) {
        let shorter = min(image.width, image.height), longer = max(image.width, image.height)
        guard shorter > 0 else { return }
        guard longer <= aspectRatioFreeSide || longer <= maxAspectRatio * shorter else {
            throw .extremeAspectRatio(width: image.width, height: image.height, limit: maxAspectRatio)
        }
        try checkCanvas(.gray, width: image.width, height: image.height, maxPixels: maxPixels)
    }

    /// Refuses a canvas of `width`×`height` over the pixel budget (overflow-safe).
    static func checkCanvas(_ stage: PreprocessingStage, width: Int, height: Int, maxPixels: Int) throws(PreprocessingError) {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw .overPixelBudget(stage: stage, width: width, height: height, budget: maxPixels)
        }
    }
}
