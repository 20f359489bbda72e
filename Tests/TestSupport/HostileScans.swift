import Foundation

/// Hostile scans built in memory (issue 19, "Hostile neighbours"): files a few KB large that cost a
/// decoder or a preprocessing stage minutes or gigabytes unless it is bounded. Byte-level helpers
/// only; the encoders live in Imaging (PNGEncoder, JPEGEncoder).
public enum HostileScans {
    /// A binary PGM (P5) of `width`×`height` pixels, all `value`.
    public static func pgm(width: Int, height: Int, value: UInt8 = 0) -> [UInt8] {
        Array("P5\n\(width) \(height)\n255\n".utf8) + [UInt8](repeating: value, count: width * height)
    }

    /// `jpeg` with its last scan repeated `extraScans` more times before EOI. On a progressive file
    /// (libjpeg's simple progression ends with an AC refinement scan) every copy makes the decoder
    /// walk every block once more while adding a few bytes (a flat image refines to EOB runs):
    /// the progressive-JPEG bomb. libjpeg only warns about the repeated refinement.
    public static func repeatingLastScan(of jpeg: [UInt8], extraScans: Int) -> [UInt8]? {
        guard let sos = lastMarker(0xDA, in: jpeg), jpeg.count >= 2,
              jpeg[jpeg.count - 2] == 0xFF, jpeg[jpeg.count - 1] == 0xD9 else { return nil }
        let scan = jpeg[sos..<(jpeg.count - 2)]
        var out = [UInt8]()
        out.reserveCapacity(jpeg.count + scan.count * extraScans)
        out += jpeg[..<(jpeg.count - 2)]
        for _ in 0..<extraScans { out += scan }
        out += [0xFF, 0xD9]
        return out
    }

    /// Offset of the last `0xFF code` marker outside entropy-coded data (whose 0xFF bytes are
    /// followed by 0x00 stuffing or an RSTn marker, so a plain scan finds only real markers).
    static func lastMarker(_ code: UInt8, in bytes: [UInt8]) -> Int? {
        var found: Int?
        var i = 2
        while i + 1 < bytes.count {
            if bytes[i] == 0xFF && bytes[i + 1] == code { found = i }
            i += 1
        }
        return found
    }

    /// An uncompressed little-endian 8-bit gray TIFF of `width`×`height`, all `value`, in strips
    /// of `rowsPerStrip` rows.
    public static func tiff(width: Int, height: Int, rowsPerStrip: Int, value: UInt8 = 255) -> [UInt8] {
        let strips = (height + rowsPerStrip - 1) / rowsPerStrip
        let entries = 9
        let ifdOffset = 8
        let ifdSize = 2 + entries * 12 + 4
        let offsetsAt = ifdOffset + ifdSize, countsAt = offsetsAt + 4 * strips
        let pixelsAt = countsAt + 4 * strips
        var out = [UInt8]()
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: Int) { u16(v & 0xFFFF); u16((v >> 16) & 0xFFFF) }
        func entry(_ tag: Int, _ type: Int, _ count: Int, _ value: Int) { u16(tag); u16(type); u32(count); u32(value) }
        out += Array("II".utf8); u16(42); u32(ifdOffset)
        u16(entries)
        entry(256, 4, 1, width)                                   // ImageWidth
        entry(257, 4, 1, height)                                  // ImageLength
        entry(258, 3, 1, 8)                                       // BitsPerSample
        entry(259, 3, 1, 1)                                       // Compression: none
        entry(262, 3, 1, 1)                                       // Photometric: min-is-black
        entry(273, 4, strips, strips == 1 ? pixelsAt : offsetsAt) // StripOffsets
        entry(277, 3, 1, 1)                                       // SamplesPerPixel
        entry(278, 4, 1, rowsPerStrip)                            // RowsPerStrip
        entry(279, 4, strips, strips == 1 ? width * height : countsAt) // StripByteCounts
        u32(0)
        for s in 0..<strips { u32(pixelsAt + s * rowsPerStrip * width) }
        for s in 0..<strips { u32(min(rowsPerStrip, height - s * rowsPerStrip) * width) }
        out += [UInt8](repeating: value, count: width * height)
        return out
    }
}
