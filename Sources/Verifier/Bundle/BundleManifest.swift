import Foundation

/// `manifest.json`: the SHA-256 of each bundle file, written when a bundle is saved and checked
/// when it is loaded, so a file changed afterwards — a bad copy, a damaged disk, a hand edit — is
/// refused naming the file. It is not part of the bundle's version, which hashes the files
/// themselves: bundles saved before manifests existed keep their version and still load.
struct BundleManifest: Codable, Equatable {
    static let fileName = "manifest.json"
    static let currentFormat = "sigverify-model-manifest/1"

    var format: String
    /// Lower-case hex SHA-256 by file name (relative to the bundle folder).
    var sha256: [String: String]

    init(sha256: [String: String]) {
        format = Self.currentFormat
        self.sha256 = sha256
    }

    /// The manifest in `folder`, or nil when the bundle has none.
    static func read(in folder: URL) throws(BundleError) -> BundleManifest? {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let manifest: BundleManifest
        do {
            manifest = try JSONDecoder().decode(BundleManifest.self, from: Data(contentsOf: url))
        } catch {
            throw .invalidManifest(file: url.path, reason: "not a manifest document (\(describeDecodingError(error)))")
        }
        guard manifest.format == currentFormat else {
            throw .invalidManifest(file: url.path, reason: "format \(manifest.format) is not \(currentFormat)")
        }
        return manifest
    }

    /// Writes the manifest into `folder` (sorted keys: the same bundle gives the same bytes).
    func write(in folder: URL) throws(BundleError) {
        let url = folder.appendingPathComponent(Self.fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw .writeFailed(file: url.path, reason: "\(error)")
        }
    }
}
