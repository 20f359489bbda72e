import CImageShims

/// Windows/OS2 bitmaps decoded as OpenCV's `BmpDecoder` decodes them for `IMREAD_COLOR`
/// (1/4/8-bit palette, RLE4, RLE8, 16-bit 555/565, 24-bit, 32-bit with alpha dropped), then BGR2GRAY.
/// OpenCV's quirks are kept on purpose — the palette is read right after the info header, a
/// 32-bit BI_BITFIELDS file is read as BGRA whatever its masks, and RLE runs that cross a line fail.
enum BMPDecoder {
    private enum Compression: Int { case rgb = 0, rle8 = 1, rle4 = 2, bitfields = 3 }

    static func decode(_ bytes: [UInt8], maxPixels: Int) throws(ImagingError) -> GrayImage {
        var reader = ByteReader(bytes, format: .bmp)
        reader.skip(10)
        let offset = try reader.int32LE("the pixel data offset")
        let headerSize = try reader.int32LE("the info header size")
        guard headerSize > 0 else { throw corrupt("info header size \(headerSize)") }
        var width = 0, height = 0, bpp = 0
        var compression = Compression.rgb
        // 256 BGRA entries; entries the file does not define stay black, as in OpenCV.
        var palette = [UInt8](repeating: 0, count: 256 * 4)
        if headerSize >= 36 {
            width = try reader.int32LE("the width")
            height = try reader.int32LE("the height")
            bpp = try reader.int32LE("the bit count") >> 16
            let code = try reader.int32LE("the compression")
            reader.skip(12)
            let colorsUsed = try reader.int32LE("the palette size")
            reader.skip(headerSize - 36)
            guard let known = Compression(rawValue: code) else {
                throw unsupported("compression \(code) (only BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS are read)")
            }
            compression = known
            let valid = width > 0 && height != 0 && (
                ([1, 4, 8, 24, 32].contains(bpp) && compression == .rgb)
                || ((bpp == 16 || bpp == 32) && (compression == .rgb || compression == .bitfields))
                || (bpp == 4 && compression == .rle4) || (bpp == 8 && compression == .rle8))
            guard valid else {
                throw unsupported("\(width)×\(height), \(bpp) bits per pixel with compression \(code)")
            }
            if bpp <= 8 {
                guard colorsUsed >= 0 && colorsUsed <= 256 else { throw corrupt("palette of \(colorsUsed) colours") }
                let count = (colorsUsed == 0 ? 1 << bpp : colorsUsed) * 4
                try reader.require(count, "the palette")
                palette.replaceSubrange(0..<count, with: bytes[reader.position..<reader.position + count])
                reader.skip(count)
            } else if bpp == 16 && compression == .bitfields {
                let red = try reader.int32LE("the red mask")
                let green = try reader.int32LE("the green mask")
                let blue = try reader.int32LE("the blue mask")
                if blue == 0x1F && green == 0x3E0 && red == 0x7C00 {
                    bpp = 15
                } else if !(blue == 0x1F && green == 0x7E0 && red == 0xF800) {
                    throw unsupported("16-bit masks other than 555 and 565")
                }
            } else if bpp == 16 {
                bpp = 15
            }
        } else if headerSize == 12 {
            width = try reader.uint16LE("the width")
            height = try reader.uint16LE("the height")
            bpp = try reader.int32LE("the bit count") >> 16
            guard width > 0 && height != 0 && [1, 4, 8, 24, 32].contains(bpp) else {
                throw unsupported("OS/2 bitmap \(width)×\(height) with \(bpp) bits per pixel")
            }
            if bpp <= 8 {
                for j in 0..<(1 << bpp) {
                    for c in 0..<3 { palette[j * 4 + c] = try reader.byte("the palette") }
                }
            }
        } else {
            throw unsupported("info header of \(headerSize) bytes")
        }
        let bottomUp = height > 0
        height = abs(height)
        guard width <= maxPixels, height <= maxPixels, width * height <= maxPixels else {
            throw .tooLarge(width: width, height: height, limit: maxPixels)
        }
        guard offset >= 0 else { throw corrupt("negative pixel data offset") }

        var grayPalette = [UInt8](repeating: 0, count: 256)
        palette.withUnsafeBufferPointer { p in
            grayPalette.withUnsafeMutableBufferPointer { g in
                sv_gray_from_color(p.baseAddress, 256, 4, 2, 0, g.baseAddress)
            }
        }
        var pixels = [UInt8](repeating: 0, count: width * height)
        reader.position = offset
        let pitch = ((width * (bpp != 15 ? bpp : 16) + 7) / 8 + 3) & ~3
        switch (bpp, compression) {
        case (4, .rle4), (8, .rle8):
            var rle = RLEState(width: width, height: height, bottomUp: bottomUp)
            try pixels.withUnsafeMutableBufferPointer { out throws(ImagingError) in
                if bpp == 8 {
                    try rle.decode8(&reader, grayPalette, out)
                } else {
                    try rle.decode4(&reader, grayPalette, out)
                }
            }
        default:
            var bgr = [UInt8](repeating: 0, count: bpp == 15 || bpp == 16 ? width * 3 : 0)
            for y in 0..<height {
                try reader.require(pitch, "row \(y)")
                let start = reader.position
                let outRow = (bottomUp ? height - 1 - y : y) * width
                bytes.withUnsafeBufferPointer { src in
                    pixels.withUnsafeMutableBufferPointer { out in
                        let s = src.baseAddress! + start
                        let d = out.baseAddress! + outRow
                        switch bpp {
                        case 1:
                            for x in 0..<width { d[x] = grayPalette[Int(s[x >> 3] >> (7 - UInt8(x & 7))) & 1] }
                        case 4:
                            for x in 0..<width {
                                let v = s[x >> 1]
                                d[x] = grayPalette[Int(x & 1 == 0 ? v >> 4 : v & 15)]
                            }
                        case 8:
                            for x in 0..<width { d[x] = grayPalette[Int(s[x])] }
                        case 15, 16:
                            bgr.withUnsafeMutableBufferPointer { b in
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
                }
                reader.skip(pitch)
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    static func corrupt(_ detail: String) -> ImagingError { .corrupt(format: .bmp, detail: detail) }
    static func unsupported(_ detail: String) -> ImagingError { .unsupportedVariant(format: .bmp, detail: detail) }

    /// OpenCV's RLE walk in pixel units: `data` is the file-order pixel index, `lineEnd` the end
    /// of the current file row, `y` the file row; runs fill forward and wrap rows as OpenCV's
    /// `FillUniColor` does.
    private struct RLEState {
        let width: Int, height: Int, bottomUp: Bool
        var data = 0, lineEnd: Int, y = 0

        init(width: Int, height: Int, bottomUp: Bool) {
            self.width = width
            self.height = height
            self.bottomUp = bottomUp
            lineEnd = width
        }

        func put(_ out: UnsafeMutableBufferPointer<UInt8>, _ index: Int, _ value: UInt8) throws(ImagingError) {
            let row = index / width
            guard index >= 0, row < height else { throw BMPDecoder.corrupt("RLE data runs past the image") }
            out[(bottomUp ? height - 1 - row : row) * width + index % width] = value
        }

        mutating func fill(_ count: Int, _ value: UInt8, _ out: UnsafeMutableBufferPointer<UInt8>) throws(ImagingError) {
            var count = count
            repeat {
                let end = min(data + count, lineEnd)
                count -= end - data
                while data < end {
                    try put(out, data, value)
                    data += 1
                }
                if data >= lineEnd {
                    lineEnd += width
                    data = lineEnd - width
                    y += 1
                    if y >= height { break }
                }
            } while count > 0
        }

        mutating func decode8(_ reader: inout ByteReader, _ palette: [UInt8],
                              _ out: UnsafeMutableBufferPointer<UInt8>) throws(ImagingError) {
            var lineEndFlag = 0
            while true {
                let word = try reader.uint16LE("RLE8 data")
                let length = word & 255, code = word >> 8
                if length != 0 {
                    let previous = y
                    guard data + length <= lineEnd else { throw BMPDecoder.corrupt("RLE8 run crosses a row end") }
                    try fill(length, palette[code], out)
                    lineEndFlag = y - previous
                    if y >= height { break }
                } else if code > 2 {
                    guard data + code <= lineEnd else { throw BMPDecoder.corrupt("RLE8 literal crosses a row end") }
                    let size = (code + 1) & ~1
                    try reader.require(size, "an RLE8 literal run")
                    for i in 0..<code {
                        try put(out, data, palette[Int(reader.bytes[reader.position + i])])
                        data += 1
                    }
                    reader.skip(size)
                    lineEndFlag = 0
                } else {
                    var shift = lineEnd - data
                    var rows = height - y
                    if code != 0 || lineEndFlag == 0 || shift < width {
                        if code == 2 {
                            shift = Int(try reader.byte("an RLE8 delta"))
                            rows = Int(try reader.byte("an RLE8 delta"))
                        }
                        if code != 0 { shift += rows * width }
                        if y >= height { break }
                        try fill(shift, palette[0], out)
                        if y >= height { break }
                    }
                    lineEndFlag = 0
                    if y >= height { break }
                }
            }
        }

        mutating func decode4(_ reader: inout ByteReader, _ palette: [UInt8],
                              _ out: UnsafeMutableBufferPointer<UInt8>) throws(ImagingError) {
            while true {
                let word = try reader.uint16LE("RLE4 data")
                let length = word & 255, code = word >> 8
                if length != 0 {
                    let colors = (palette[code >> 4], palette[code & 15])
                    let end = data + length
                    guard end <= lineEnd else { throw BMPDecoder.corrupt("RLE4 run crosses a row end") }
                    var odd = false
                    repeat {
                        try put(out, data, odd ? colors.1 : colors.0)
                        odd.toggle()
                        data += 1
                    } while data < end
                } else if code > 2 {
                    guard data + code <= lineEnd else { throw BMPDecoder.corrupt("RLE4 literal crosses a row end") }
                    let size = (((code + 1) >> 1) + 1) & ~1
                    try reader.require(size, "an RLE4 literal run")
                    for i in 0..<code {
                        let v = reader.bytes[reader.position + (i >> 1)]
                        try put(out, data, palette[Int(i & 1 == 0 ? v >> 4 : v & 15)])
                        data += 1
                    }
                    reader.skip(size)
                } else {
                    // OpenCV's RLE4 end-of-line / end-of-bitmap / delta only fill to the x shift.
                    var shift = lineEnd - data
                    if code == 2 {
                        shift = Int(try reader.byte("an RLE4 delta"))
                        _ = try reader.byte("an RLE4 delta")
                    }
                    try fill(shift, palette[0], out)
                    if y >= height { break }
                }
            }
        }
    }
}
