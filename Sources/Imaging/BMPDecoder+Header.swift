import CImageShims

extension BMPDecoder {
    enum Compression: Int { case rgb = 0, rle8 = 1, rle4 = 2, bitfields = 3 }

    /// The file header's pixel offset and the info header (Windows 40+ bytes or OS/2 12 bytes),
    /// with the palette read right after it as OpenCV reads it. `bpp` is 15 for 16-bit 555 pixels.
    struct Header {
        var offset = 0
        var width = 0, height = 0
        var bottomUp = true
        var bpp = 0
        var compression = Compression.rgb
        /// 256 BGRA entries; entries the file does not define stay black, as in OpenCV.
        var palette = [UInt8](repeating: 0, count: 256 * 4)

        static func read(_ reader: inout ByteReader) throws(ImagingError) -> Header {
            reader.skip(10)
            var header = Header()
            header.offset = try reader.int32LE("the pixel data offset")
            let headerSize = try reader.int32LE("the info header size")
            guard headerSize > 0 else { throw BMPDecoder.corrupt("info header size \(headerSize)") }
            if headerSize >= 36 {
                try header.readWindows(&reader, headerSize: headerSize)
            } else if headerSize == 12 {
                try header.readOS2(&reader)
            } else {
                throw BMPDecoder.unsupported("info header of \(headerSize) bytes")
            }
            header.bottomUp = header.height > 0
            header.height = abs(header.height)
            return header
        }

        /// The palette through OpenCV's BGR2GRAY.
        func grayPalette() -> [UInt8] {
            var gray = [UInt8](repeating: 0, count: 256)
            palette.withUnsafeBufferPointer { p in
                gray.withUnsafeMutableBufferPointer { g in sv_gray_from_color(p.baseAddress, 256, 4, 2, 0, g.baseAddress) }
            }
            return gray
        }

        private mutating func readWindows(_ reader: inout ByteReader, headerSize: Int) throws(ImagingError) {
            width = try reader.int32LE("the width")
            height = try reader.int32LE("the height")
            bpp = try reader.int32LE("the bit count") >> 16
            let code = try reader.int32LE("the compression")
            reader.skip(12)
            let colorsUsed = try reader.int32LE("the palette size")
            reader.skip(headerSize - 36)
            guard let known = Compression(rawValue: code) else {
                throw BMPDecoder.unsupported("compression \(code) (only BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS are read)")
            }
            compression = known
            guard isReadable else {
                throw BMPDecoder.unsupported("\(width)×\(height), \(bpp) bits per pixel with compression \(code)")
            }
            if bpp <= 8 {
                try readPalette(&reader, colorsUsed: colorsUsed)
            } else if bpp == 16 && compression == .bitfields {
                try readMasks(&reader)
            } else if bpp == 16 {
                bpp = 15
            }
        }

        private var isReadable: Bool {
            width > 0 && height != 0 && (
                ([1, 4, 8, 24, 32].contains(bpp) && compression == .rgb)
                || ((bpp == 16 || bpp == 32) && (compression == .rgb || compression == .bitfields))
                || (bpp == 4 && compression == .rle4) || (bpp == 8 && compression == .rle8))
        }

        private mutating func readPalette(_ reader: inout ByteReader, colorsUsed: Int) throws(ImagingError) {
            guard colorsUsed >= 0 && colorsUsed <= 256 else { throw BMPDecoder.corrupt("palette of \(colorsUsed) colours") }
            let count = (colorsUsed == 0 ? 1 << bpp : colorsUsed) * 4
            try reader.require(count, "the palette")
            palette.replaceSubrange(0..<count, with: reader.bytes[reader.position..<reader.position + count])
            reader.skip(count)
        }

        /// 16-bit BI_BITFIELDS: only the 555 and 565 masks are read (as OpenCV does).
        private mutating func readMasks(_ reader: inout ByteReader) throws(ImagingError) {
            let red = try reader.int32LE("the red mask")
            let green = try reader.int32LE("the green mask")
            let blue = try reader.int32LE("the blue mask")
            if blue == 0x1F && green == 0x3E0 && red == 0x7C00 {
                bpp = 15
            } else if !(blue == 0x1F && green == 0x7E0 && red == 0xF800) {
                throw BMPDecoder.unsupported("16-bit masks other than 555 and 565")
            }
        }

        private mutating func readOS2(_ reader: inout ByteReader) throws(ImagingError) {
            width = try reader.uint16LE("the width")
            height = try reader.uint16LE("the height")
            bpp = try reader.int32LE("the bit count") >> 16
            guard width > 0 && height != 0 && [1, 4, 8, 24, 32].contains(bpp) else {
                throw BMPDecoder.unsupported("OS/2 bitmap \(width)×\(height) with \(bpp) bits per pixel")
            }
            if bpp <= 8 {
                for j in 0..<(1 << bpp) {
                    for c in 0..<3 { palette[j * 4 + c] = try reader.byte("the palette") }
                }
            }
        }
    }
}
