import Foundation

/// Copies of the committed tiny model bundle that a test may damage the way a disk, a bad copy or
/// a careless edit would — byte by byte, without the Verifier module's help.
public enum DamagedBundles {
    /// The files of a bundle folder.
    public static let bundleFiles = ["parameters.json", "autoencoder.safetensors", "classifier.safetensors", "iforest.json"]

    /// A fresh copy of `Tests/Fixtures/model_tiny` (its four bundle files) in a new temporary folder.
    public static func tinyCopy() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sv-bundle-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in bundleFiles {
            try FileManager.default.copyItem(at: FixturePaths.local("model_tiny").appendingPathComponent(name),
                                             to: folder.appendingPathComponent(name))
        }
        return folder
    }

    /// Overwrites `count` bytes of `file` with `byte`, starting `offset` bytes into it (in place).
    public static func overwrite(_ file: URL, offset: Int, count: Int, with byte: UInt8) throws {
        var data = try Data(contentsOf: file)
        data.replaceSubrange(offset..<(offset + count), with: [UInt8](repeating: byte, count: count))
        try data.write(to: file)
    }

    /// The byte range of tensor `name`'s data in the safetensors `file`.
    public static func tensorRange(_ file: URL, _ name: String) throws -> Range<Int> {
        let data = try Data(contentsOf: file)
        let headerLength = Int(data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
        guard let entry = header?[name] as? [String: Any], let offsets = entry["data_offsets"] as? [Int] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSDebugDescriptionErrorKey: "no tensor \(name) in \(file.path)"])
        }
        return (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1])
    }

    /// Rewrites tensor `name` of the safetensors `file` (F32) with `value(i)` for element i.
    public static func fill(_ file: URL, tensor name: String, _ value: (Int) -> Float) throws {
        let range = try tensorRange(file, name)
        var bytes: [UInt8] = []
        for i in 0..<(range.count / 4) {
            withUnsafeBytes(of: value(i).bitPattern.littleEndian) { bytes += $0 }
        }
        var data = try Data(contentsOf: file)
        data.replaceSubrange(range, with: bytes)
        try data.write(to: file)
    }

    /// Makes the classifier of the bundle in `folder` score NaN with finite weights only: every
    /// hidden unit ≈ 3e38, output weights alternating ±3e38, so the output sums +∞ and −∞.
    public static func poisonClassifier(in folder: URL) throws {
        let file = folder.appendingPathComponent("classifier.safetensors")
        try fill(file, tensor: "cls_dense1/bias") { _ in 3e38 }
        try fill(file, tensor: "cls_out/kernel") { $0 % 2 == 0 ? 3e38 : -3e38 }
    }
}
