import Digest
import Foundation
import NeuralNet

/// What a bundle's bytes are: its version (a hash over its files) and the per-file SHA-256 that
/// `manifest.json` records at save time and load checks. Written once for every kind of bundle
/// (this one and the writer model's), each naming its own files.
public enum BundleFiles {
    /// The version and each file's hex SHA-256, from one read of every file in `files`.
    public static func fingerprint(of folder: URL, files: [String]) throws(BundleError) -> (version: String, digests: [String: String]) {
        var version = SHA256()
        var digests: [String: String] = [:]
        for name in files {
            let data = try readFile(folder.appendingPathComponent(name))
            version.update(Array(name.utf8) + [0])
            withUnsafeBytes(of: UInt64(data.count).littleEndian) { version.update($0) }
            data.withUnsafeBytes { bytes in
                version.update(bytes.bindMemory(to: UInt8.self))
                digests[name] = SHA256.hex(SHA256.hash(bytes.bindMemory(to: UInt8.self)))
            }
        }
        return (String(SHA256.hex(version.finalize()).prefix(ModelBundle.versionLength)), digests)
    }

    /// Checks the files against `manifest.json`; false when the bundle has none. Every file in
    /// `files` must be listed, and every listed file must match.
    public static func verifyManifest(in folder: URL, files: [String], digests: [String: String]) throws(BundleError) -> Bool {
        guard let manifest = try BundleManifest.read(in: folder) else { return false }
        let manifestPath = folder.appendingPathComponent(BundleManifest.fileName).path
        if let unlisted = files.first(where: { manifest.sha256[$0] == nil }) {
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

    /// Records the SHA-256 of `files` now in `folder` in its `manifest.json`.
    public static func writeManifest(in folder: URL, files: [String]) throws(BundleError) {
        try BundleManifest(sha256: fingerprint(of: folder, files: files).digests).write(in: folder)
    }

    public static func readFile(_ url: URL) throws(BundleError) -> Data {
        do {
            return try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .missingFile(url.path)
        }
    }

    public static func writeFile(_ data: Data, to url: URL) throws(BundleError) {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .writeFailed(file: url.path, reason: "\(error)")
        }
    }

    /// Reads a safetensors file, requiring F32 (the bundle format) and finite values (a NaN or ±∞
    /// weight makes every score NaN); names and shapes are checked by the network.
    public static func readWeights(_ url: URL) throws(BundleError) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, t) in try SafeTensors.readRaw(contentsOf: url).sorted(by: { $0.key < $1.key }) {
            guard t.dtype == .f32 else { throw .unsupportedDType(name: name, dtype: t.dtype.rawValue) }
            let values = t.floats()
            let nonFinite = values.count { !$0.isFinite }
            guard nonFinite == 0 else { throw .nonFiniteWeights(file: url.path, tensor: name, count: nonFinite) }
            out[name] = Tensor(shape: t.shape, storage: values)
        }
        return out
    }
}

extension ModelBundle {
    static func fingerprint(of folder: URL) throws(BundleError) -> (version: String, digests: [String: String]) {
        try BundleFiles.fingerprint(of: folder, files: hashedFiles)
    }

    /// SHA-256 over the bundle's files in `hashedFiles` order, each framed by its name and byte length so
    /// no two different bundles hash the same stream; shortened to `versionLength` hex digits.
    /// `manifest.json` is not among them: writing one does not change a bundle's version.
    public static func contentHash(of folder: URL) throws(BundleError) -> String {
        try fingerprint(of: folder).version
    }

    static func verifyManifest(in folder: URL, digests: [String: String]) throws(BundleError) -> Bool {
        try BundleFiles.verifyManifest(in: folder, files: hashedFiles, digests: digests)
    }

    static func writeManifest(in folder: URL) throws(BundleError) {
        try BundleFiles.writeManifest(in: folder, files: hashedFiles)
    }

    static func readFile(_ url: URL) throws(BundleError) -> Data { try BundleFiles.readFile(url) }
}
