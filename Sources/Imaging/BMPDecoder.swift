import CImageShims

/// Windows/OS2 bitmaps decoded as OpenCV's `BmpDecoder` decodes them for `IMREAD_COLOR`
/// (1/4/8-bit palette, RLE4, RLE8, 16-bit 555/565, 24-bit, 32-bit with alpha dropped), then BGR2GRAY.
/// OpenCV's quirks are kept on purpose — the palette is read right after the info header, a
/// 32-bit BI_BITFIELDS file is read as BGRA whatever its masks, and RLE runs that cross a line fail.
/// The header is read in `BMPDecoder+Header.swift`, RLE data in `BMPDecoder+RLE.swift`.
enum BMPDecoder {
    static func decode(_ bytes: [UInt8], maxPixels: Int) throws(ImagingError) -> GrayImage {
        var reader = ByteReader(bytes, format: .bmp)
        let header = try Header.read(&reader)
        let width = header.width, height = header.height
        guard width <= maxPixels, height <= maxPixels, width * height <= maxPixels else {
            throw .tooLarge(width: width, height: height, limit: maxPixels)
        }
        guard header.offset >= 0 else { throw corrupt("negative pixel data offset") }
        let palette = header.grayPalette()
        var pixels = [UInt8](repeating: 0, count: width * height)
        reader.position = header.offset
        switch (header.bpp, header.compression) {
        case (4, .rle4), (8, .rle8):
            var rle = RLEState(width: width, height: height, bottomUp: header.bottomUp)
            try pixels.withUnsafeMutableBufferPointer { out throws(ImagingError) in
                if header.bpp == 8 {
                    try rle.decode8(&reader, palette, out)
                } else {
                    try rle.decode4(&reader, palette, out)
                }
            }
        default:
            try decodeRows(&reader, header, palette, into: &pixels)
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// Uncompressed rows: each padded to 4 bytes, bottom-up unless the height was negative.
    private static func decodeRows(_ reader: inout ByteReader, _ header: Header, _ palette: [UInt8],
                                   into pixels: inout [UInt8]) throws(ImagingError) {
        let width = header.width, height = header.height, bpp = header.bpp
        let pitch = ((width * (bpp != 15 ? bpp : 16) + 7) / 8 + 3) & ~3
        var bgr = [UInt8](repeating: 0, count: bpp == 15 || bpp == 16 ? width * 3 : 0)
        for y in 0..<height {
            try reader.require(pitch, "row \(y)")
            let start = reader.position
            let outRow = (header.bottomUp ? height - 1 - y : y) * width
            reader.bytes.withUnsafeBufferPointer { src in
                pixels.withUnsafeMutableBufferPointer { out in
                    grayRow(src.baseAddress! + start, out.baseAddress! + outRow, width: width, bpp: bpp,
                            palette: palette, scratch: &bgr)
                }
            }
            reader.skip(pitch)
        }
    }

    /// One file row `s` to gray `d`: palette indices through the gray palette, 15/16-bit pixels
    /// expanded to BGR in `scratch` first, 24/32-bit BGR(A) straight to gray.
    private static func grayRow(_ s: UnsafePointer<UInt8>, _ d: UnsafeMutablePointer<UInt8>, width: Int, bpp: Int,
                                palette: [UInt8], scratch: inout [UInt8]) {
        switch bpp {
        case 1:
            for x in 0..<width { d[x] = palette[Int(s[x >> 3] >> (7 - UInt8(x & 7))) & 1] }
        case 4:
            for x in 0..<width {
                let v = s[x >> 1]
                d[x] = palette[Int(x & 1 == 0 ? v >> 4 : v & 15)]
            }
        case 8:  // the gray palette always has 256 entries: a byte lookup
            palette.withUnsafeBufferPointer { ByteLookup.apply($0.baseAddress!, from: s, to: d, count: width) }
        case 15, 16:
            scratch.withUnsafeMutableBufferPointer { b in
                for x in 0..<width {
                    let t = Int(s[2 * x]) | Int(s[2 * x + 1]) << 8
                    b[3 * x] = UInt8((t << 3) & 0xF8)
                    if bpp == 15 {
                        b[3 * x + 1] = UInt8((t >> 2) & 0xF8)
                        b[3 * x + 2] = UInt8((t >> 7) & 0xF8)
                    } else {
                        b[3 * x + 1] = UInt8((t >> 3) & 0xFC)
                        b[3 * x + 2] = UInt8((t >> 8) & 0xF8)
                    }
                }
                sv_gray_from_color(b.baseAddress, width, 3, 2, 0, d)
            }
        case 24:
            sv_gray_from_color(s, width, 3, 2, 0, d)
        default:  // 32
            sv_gray_from_color(s, width, 4, 2, 0, d)
        }
    }

    static func corrupt(_ detail: String) -> ImagingError { .corrupt(format: .bmp, detail: detail) }
    static func unsupported(_ detail: String) -> ImagingError { .unsupportedVariant(format: .bmp, detail: detail) }
}
