extension BMPDecoder {
    /// OpenCV's RLE walk in pixel units: `data` is the file-order pixel index, `lineEnd` the end
    /// of the current file row, `y` the file row; runs fill forward and wrap rows as OpenCV's
    /// `FillUniColor` does.
    struct RLEState {
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
