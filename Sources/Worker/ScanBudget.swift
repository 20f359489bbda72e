import Foundation
import Imaging

/// What one scan may cost a worker. Pixels are checked from the image header before anything is
/// allocated (a 97 KB PNG can declare 100 MP: 1.1 GB and seconds of decoding). Decode time is
/// measured, not enforced: a decoder inside libpng/libjpeg/libtiff cannot be interrupted, so a scan
/// whose decode took longer than the budget fails after the fact (and is not retried).
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

    /// The budget's reading of a decoder refusal: over the pixel budget names the option to change.
    func reason(for error: ImagingError) -> Error {
        guard case .tooLarge(let width, let height, _) = error else { return error }
        return ScanBudgetError.overPixelBudget(width: width, height: height, budget: maxPixels)
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

    public var description: String {
        switch self {
        case .overPixelBudget(let width, let height, let budget):
            return "scan is \(width)×\(height) = \(Self.megapixels(width * height)) MP, over the worker's budget of "
                + "\(Self.megapixels(budget)) MP (--max-pixels)"
        case .overDecodeBudget(let seconds, let budget):
            return "decoding the scan took \(String(format: "%.1f", seconds)) s, over the worker's budget of "
                + "\(String(format: "%g", budget)) s (--max-decode-seconds)"
        }
    }

    private static func megapixels(_ pixels: Int) -> String { String(format: "%.1f", Double(pixels) / 1e6) }
}
