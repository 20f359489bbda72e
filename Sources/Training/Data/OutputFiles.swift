import Foundation
import Imaging

/// Why an output file (synthetic image, report, picture) could not be written.
public enum OutputError: Error, CustomStringConvertible {
    case cannotCreateDirectory(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case encodingFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason): return "cannot create directory \(path): \(reason)"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .encodingFailed(let path, let reason): return "cannot encode \(path) as PNG: \(reason)"
        }
    }
}

/// The one place the Training module writes files.
enum OutputFiles {
    static func makeDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw OutputError.cannotCreateDirectory(path: path, reason: error.localizedDescription)
        }
    }

    static func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw OutputError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    static func writePNG(_ image: GrayImage, to path: String) throws {
        let bytes: [UInt8]
        do { bytes = try PNGEncoder.encode(image) } catch {
            throw OutputError.encodingFailed(path: path, reason: "\(error)")
        }
        try write(Data(bytes), to: path)
    }
}
