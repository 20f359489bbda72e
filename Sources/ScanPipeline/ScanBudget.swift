import Foundation
import Imaging

/// What one scan may cost a worker. Pixels are checked from the image header before anything is
/// allocated (a 97 KB PNG can declare 100 MP: 1.1 GB and seconds of decoding), and bound every
/// canvas preprocessing derives from the scan. Decode time is enforced during the decode: the
/// PNG, JPEG and TIFF shims check the deadline between rows, strips, tiles and JPEG scans and stop
/// there (a 470 KB progressive JPEG with 10,000 scans would otherwise take minutes); BMP and PNM,
/// decoded in Swift in time linear in their bytes, are still measured after the fact. Both
/// failures are permanent (never retried).
public struct ScanBudget: Sendable, Equatable {
    /// Decoded pixels (width × height) a scan may have.
    public var maxPixels: Int
    /// Seconds a scan's decode may take; nil: no limit.
    public var maxDecodeSeconds: Double?

    /// The worker's defaults: 25 MP is an A4 page at 400 dpi (600 dpi A4 is 35 MP); a 25 MP decode
    /// peaks near 300 MB and takes about 2 s here.
    public static let workerDefaultMaxPixels = 25_000_000
    public static let workerDefaultDecodeSeconds = 20.0

    public init(maxPixels: Int = ScanBudget.workerDefaultMaxPixels,
                maxDecodeSeconds: Double? = ScanBudget.workerDefaultDecodeSeconds) {
        self.maxPixels = maxPixels
        self.maxDecodeSeconds = maxDecodeSeconds
    }

    /// The budget's reading of a decoder refusal: over the pixel or time budget names the option to change.
    func reason(for error: ImagingError) -> Error {
        switch error {
        case .tooLarge(let width, let height, _):
            return ScanBudgetError.overPixelBudget(width: width, height: height, budget: maxPixels)
        case .decodeTimeLimit(let format, let seconds, _):
            guard let limit = maxDecodeSeconds else { return error }
            return ScanBudgetError.decodeStopped(format: format.rawValue.uppercased(), seconds: seconds, budget: limit)
        default:
            return error
        }
    }

    /// The decoder's options under this budget (the tighter of each limit).
    func limiting(_ options: DecodeOptions) -> DecodeOptions {
        var limited = options
        limited.maxPixels = min(options.maxPixels, maxPixels)
        if let limit = maxDecodeSeconds { limited.maxDecodeSeconds = min(options.maxDecodeSeconds ?? limit, limit) }
        return limited
    }

    /// Throws when a decode took longer than the budget.
    func checkDecode(seconds: Double) throws(ScanBudgetError) {
        if let limit = maxDecodeSeconds, seconds > limit {
            throw .overDecodeBudget(seconds: seconds, budget: limit)
        }
    }
}

public enum ScanBudgetError: Error, CustomStringConvertible, Sendable, Equatable {
    case overPixelBudget(width: Int, height: Int, budget: Int)
    case overDecodeBudget(seconds: Double, budget: Double)
    /// The decoder was stopped at the deadline (`format`: "JPEG", "PNG", "TIFF").
    case decodeStopped(format: String, seconds: Double, budget: Double)

    public var description: String {
        switch self {
        case .overPixelBudget(let width, let height, let budget):
            return "scan is \(width)×\(height) = \(Self.megapixels(width * height)) MP, over the worker's budget of "
                + "\(Self.megapixels(budget)) MP (--max-pixels)"
        case .overDecodeBudget(let seconds, let budget):
            return "decoding the scan took \(String(format: "%.1f", seconds)) s, over the worker's budget of "
                + "\(String(format: "%g", budget)) s (--max-decode-seconds)"
        case .decodeStopped(let format, let seconds, let budget):
            return "\(format) decode stopped after \(String(format: "%.1f", seconds)) s: over the worker's budget of "
                + "\(String(format: "%g", budget)) s (--max-decode-seconds)"
        }
    }

    private static func megapixels(_ pixels: Int) -> String { String(format: "%.1f", Double(pixels) / 1e6) }
}
