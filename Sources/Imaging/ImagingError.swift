/// Why a scan could not be decoded (or a gray image could not be encoded). Every decode error is
/// permanent: retrying the same bytes gives the same answer.
public enum ImagingError: Error, Equatable, CustomStringConvertible {
    /// Zero bytes were given.
    case emptyInput
    /// The magic bytes match no supported format; `hint` shows the first bytes.
    case unsupportedFormat(hint: String)
    /// The data ends before the image is complete.
    case truncated(format: ImageFormat, detail: String)
    /// The data is malformed (bad chunk, CRC, marker, field …); `detail` is the decoder's reason.
    case corrupt(format: ImageFormat, detail: String)
    /// A well-formed file using a feature this decoder does not convert.
    case unsupportedVariant(format: ImageFormat, detail: String)
    /// The header declares more pixels than `DecodeOptions.maxPixels`; nothing was allocated.
    case tooLarge(width: Int, height: Int, limit: Int)
    /// The requested page (0-based) does not exist.
    case pageOutOfRange(page: Int, pageCount: Int)
    /// Memory for the decoded image could not be obtained.
    case outOfMemory(format: ImageFormat)
    /// The file could not be read.
    case unreadableFile(path: String, reason: String)
    /// PNG or JPEG encoding failed (the library's reason).
    case encodingFailed(detail: String)
    /// The decode ran past `DecodeOptions.maxDecodeSeconds` and was stopped after `seconds`.
    case decodeTimeLimit(format: ImageFormat, seconds: Double, limit: Double)
    /// A JPEG with more scans than `DecodeOptions.maxJPEGScans` (a progressive-JPEG bomb).
    case tooManyScans(limit: Int)

    public var description: String {
        switch self {
        case .emptyInput:
            return "empty input: no bytes to decode"
        case .unsupportedFormat(let hint):
            return "unsupported format (not PNG, JPEG, TIFF, BMP or PNM; starts with \(hint))"
        case .truncated(let format, let detail):
            return "truncated \(format.displayName): \(detail)"
        case .corrupt(let format, let detail):
            return "corrupt \(format.displayName): \(detail)"
        case .unsupportedVariant(let format, let detail):
            return "unsupported \(format.displayName) variant: \(detail)"
        case .tooLarge(let width, let height, let limit):
            return "image too large: \(width)×\(height) = \(width * height) pixels exceeds the limit of \(limit)"
        case .pageOutOfRange(let page, let pageCount):
            return "page \(page) does not exist (the file has \(pageCount) page\(pageCount == 1 ? "" : "s"), numbered from 0)"
        case .outOfMemory(let format):
            return "out of memory decoding \(format.displayName)"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .encodingFailed(let detail):
            return "encoding failed: \(detail)"
        case .decodeTimeLimit(let format, let seconds, let limit):
            return "\(format.displayName) decode took over \(Self.seconds(limit)) s and was stopped after "
                + "\(Self.tenths(seconds)) s (decode time limit)"
        case .tooManyScans(let limit):
            return "progressive JPEG with over \(limit) scans (a real one has about 10): refused as a decompression bomb"
        }
    }
}

extension ImagingError {
    /// `20`, `1.5`, `1e-06`: a limit as an operator wrote it.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
    }

    /// `20.3`: elapsed seconds to a tenth.
    static func tenths(_ value: Double) -> String {
        let tenths = Int((max(0, value) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

extension ImageFormat {
    var displayName: String { rawValue.uppercased() }
}
