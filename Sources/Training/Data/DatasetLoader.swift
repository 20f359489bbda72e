import Foundation
import Imaging

/// A file that could not be used, and why.
public struct SkippedFile: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "skipping \(path): \(reason)" }
}

/// Decodes labelled files, skipping (and reporting) the unreadable ones instead of failing the run.
public enum DatasetLoader {
    /// Decodes every file and passes it through `transform` (e.g. preprocessing to the network's
    /// input, so full-size scans are not all held in memory). A file that cannot be read, decoded or
    /// transformed is skipped: `warn` gets a message naming it and the reason, and it is listed in
    /// `skipped`. Results keep the input order.
    public static func load<T>(_ files: [LabeledFile], decoder: ImageDecoder = ImageDecoder(),
                               warn: (String) -> Void = { _ in },
                               transform: (GrayImage) throws -> T) -> (samples: [(file: LabeledFile, value: T)], skipped: [SkippedFile]) {
        var samples: [(file: LabeledFile, value: T)] = []
        var skipped: [SkippedFile] = []
        samples.reserveCapacity(files.count)
        for file in files {
            do {
                let image = try decoder.decode(contentsOf: file.path)
                samples.append((file, try transform(image)))
            } catch {
                let s = SkippedFile(path: file.path, reason: "\(error)")
                skipped.append(s)
                warn(s.description)
            }
        }
        return (samples, skipped)
    }
}
