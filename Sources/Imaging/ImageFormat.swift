/// The scan formats the decoder understands, recognised by magic bytes (never by file extension,
/// because uploads and queue payloads carry no trustworthy name).
public enum ImageFormat: String, Sendable, CaseIterable {
    case png, jpeg, tiff, bmp, pnm

    /// The format whose signature starts `bytes`, or nil when none matches.
    public static func sniff<C: Collection>(_ bytes: C) -> ImageFormat? where C.Element == UInt8 {
        var head = [UInt8]()
        head.reserveCapacity(8)
        for byte in bytes.prefix(8) { head.append(byte) }
        func starts(_ magic: [UInt8]) -> Bool { head.count >= magic.count && head.starts(with: magic) }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A])
            || starts([0x49, 0x49, 0x2B, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2B]) { return .tiff }
        if starts([0x42, 0x4D]) { return .bmp }
        // PBM/PGM/PPM: "P1"…"P6" followed by whitespace (as OpenCV's PxM signature check).
        if head.count >= 3, head[0] == 0x50, (0x31...0x36).contains(head[1]),
           [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains(head[2]) { return .pnm }
        return nil
    }
}
