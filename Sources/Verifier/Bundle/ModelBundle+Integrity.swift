import Digest
import Foundation

/// What a bundle's bytes are: its version (a hash over its files) and the per-file SHA-256 that
/// `manifest.json` records at save time and load checks.
extension ModelBundle {
    /// The version and each file's hex SHA-256, from one read of every file in `hashedFiles`.
    static func fingerprint(of folder: URL) throws(BundleError) -> (version: String, digests: [String: String]) {
        var version = SHA256()
        var digests: [String: String] = [:]
        for name in hashedFiles {
            let data = try readFile(folder.appendingPathComponent(name))
            version.update(Array(name.utf8) + [0])
            withUnsafeBytes(of: UInt64(data.count).littleEndian) { version.update($0) }
            data.withUnsafeBytes { bytes in
                version.update(bytes.bindMemory(to: UInt8.self))
                digests[name] = SHA256.hex(SHA256.hash(bytes.bindMemory(to: UInt8.self)))
            }
        }
        return (String(SHA256.hex(version.finalize()).prefix(versionLength)), digests)
    }

    /// SHA-256 over the bundle's files in `hashedFiles` order, each framed by its name and byte length so
    /// no two different bundles hash the same stream; shortened to `versionLength` hex digits.
    /// `manifest.json` is not among them: writing one does not change a bundle's version.
    public static func contentHash(of folder: URL) throws(BundleError) -> String {
        try fingerprint(of: folder).version
    }

    /// Checks the files against `manifest.json`; false when the bundle has none (saved before
    /// manifests existed). Every bundle file must be listed, and every listed file must match.
    static func verifyManifest(in folder: URL, digests: [String: String]) throws(BundleError) -> Bool {
        guard let manifest = try BundleManifest.read(in: folder) else { return false }
        let manifestPath = folder.appendingPathComponent(BundleManifest.fileName).path
        if let unlisted = hashedFiles.first(where: { manifest.sha256[$0] == nil }) {
            throw .invalidManifest(file: manifestPath, reason: "it does not list \(unlisted)")
        }
        for (name, expected) in manifest.sha256.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(name)
            var actual = digests[name]
            if actual == nil { actual = SHA256.hex(SHA256.hash(try readFile(url))) }
            guard actual == expected.lowercased() else { throw .manifestMismatch(file: url.path, manifest: manifestPath) }
        }
        return true
    }

    /// Records the SHA-256 of the bundle files now in `folder` in its `manifest.json`.
    static func writeManifest(in folder: URL) throws(BundleError) {
        try BundleManifest(sha256: fingerprint(of: folder).digests).write(in: folder)
    }
}
