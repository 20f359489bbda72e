import CImageShims

/// PBM/PGM/PPM (P1–P6) decoded as OpenCV's `PxMDecoder` decodes them for `IMREAD_COLOR`, then
/// BGR2GRAY. OpenCV's sample handling is kept: ASCII samples are scaled by `v·255/maxval` (8-bit)
/// or take the high byte (maxval > 255); binary samples are used as stored (high byte if 16-bit),
/// whatever maxval says.
enum PNMDecoder {
    static func decode(_ bytes: [UInt8], maxPixels: Int) throws(ImagingError) -> GrayImage {
        var reader = ByteReader(bytes, format: .pnm)
        guard try reader.byte() == UInt8(ascii: "P") else { throw corrupt("missing P signature") }
        let kind = try reader.byte()
        guard (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(kind) else { throw corrupt("unknown PNM type") }
        let digit = Int(kind - UInt8(ascii: "0"))
        let bpp = digit == 1 || digit == 4 ? 1 : digit == 2 || digit == 5 ? 8 : 24
        let binary = digit >= 4
        let width = try readNumber(&reader)
        let height = try readNumber(&reader)
        let maxval = bpp == 1 ? 1 : try readNumber(&reader)
        guard maxval <= 65535 else { throw corrupt("maxval \(maxval) over 65535") }
        guard width > 0, height > 0, maxval > 0 else { throw corrupt("\(width)×\(height) with maxval \(maxval)") }
        guard width <= maxPixels, height <= maxPixels, width * height <= maxPixels else {
            throw .tooLarge(width: width, height: height, limit: maxPixels)
        }
        let size = (width: width, height: height)
        if bpp == 1 {
            return try decodeBitmap(&reader, size, binary: binary)
        }
        return try decodeSamples(&reader, size, channels: bpp == 8 ? 1 : 3, maxval: maxval, binary: binary)
    }

    /// P1/P4: 1 is black (OpenCV's inverted two-entry palette); binary rows are padded to a byte.
    private static func decodeBitmap(_ reader: inout ByteReader, _ size: (width: Int, height: Int),
                                     binary: Bool) throws(ImagingError) -> GrayImage {
        let (width, height) = size
        var pixels = [UInt8](repeating: 0, count: width * height)
        if binary {
            let pitch = (width + 7) / 8
            for y in 0..<height {
                try reader.require(pitch, "row \(y)")
                let start = reader.position
                for x in 0..<width {
                    let bit = (reader.bytes[start + (x >> 3)] >> (7 - UInt8(x & 7))) & 1
                    pixels[y * width + x] = bit == 1 ? 0 : 255
                }
                reader.skip(pitch)
            }
        } else {
            for i in 0..<width * height {
                pixels[i] = try readNumber(&reader, maxDigits: 1) != 0 ? 0 : 255
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// P2/P3/P5/P6: gray or RGB samples, 8 or 16 bits (16-bit: the high byte), RGB then to gray.
    private static func decodeSamples(_ reader: inout ByteReader, _ size: (width: Int, height: Int), channels: Int,
                                      maxval: Int, binary: Bool) throws(ImagingError) -> GrayImage {
        let (width, height) = size
        var pixels = [UInt8](repeating: 0, count: width * height)
        let wide = maxval > 255
        let samples = width * channels
        var scale = [UInt8](repeating: 0, count: wide ? 0 : 256)
        for v in 0..<scale.count where v <= maxval { scale[v] = UInt8(truncatingIfNeeded: v * 255 / maxval) }
        var row = [UInt8](repeating: 0, count: samples)
        for y in 0..<height {
            if binary {
                let pitch = samples * (wide ? 2 : 1)
                try reader.require(pitch, "row \(y)")
                let start = reader.position
                for i in 0..<samples { row[i] = reader.bytes[start + (wide ? 2 * i : i)] }
                reader.skip(pitch)
            } else {
                for i in 0..<samples {
                    let value = min(try readNumber(&reader), maxval)
                    row[i] = wide ? UInt8(truncatingIfNeeded: value >> 8) : scale[value]
                }
            }
            if channels == 1 {
                pixels.replaceSubrange(y * width..<(y + 1) * width, with: row)
            } else {
                row.withUnsafeBufferPointer { src in
                    pixels.withUnsafeMutableBufferPointer { out in
                        sv_gray_from_color(src.baseAddress, width, 3, 0, 2, out.baseAddress! + y * width)
                    }
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    static func corrupt(_ detail: String) -> ImagingError { .corrupt(format: .pnm, detail: detail) }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0D).contains(c) }
    private static func isDigit(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) }

    /// OpenCV's `ReadNumber`: skips whitespace and `#` comments, reads decimal digits (at most
    /// `maxDigits` when non-zero) and consumes the one character after them.
    static func readNumber(_ reader: inout ByteReader, maxDigits: Int = 0) throws(ImagingError) -> Int {
        var code = try reader.byte("a number")
        while !isDigit(code) {
            if code == UInt8(ascii: "#") {
                repeat { code = try reader.byte("a comment") } while code != 0x0A && code != 0x0D
                code = try reader.byte("a number")
            } else if isSpace(code) {
                while isSpace(code) { code = try reader.byte("a number") }
            } else {
                throw corrupt("unexpected character 0x\(String(code, radix: 16)) where a number was expected")
            }
        }
        var value = 0, digits = 0
        repeat {
            value = value * 10 + Int(code - 0x30)
            guard value <= Int(Int32.max) else { throw corrupt("number too large") }
            digits += 1
            if maxDigits != 0 && digits >= maxDigits { break }
            code = try reader.byte("a number")
        } while isDigit(code)
        return value
    }
}
