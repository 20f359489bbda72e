/// A bounds-checked little cursor over file bytes for the formats decoded in Swift (BMP, PNM).
/// Reading past the end throws `truncated`, the way OpenCV's byte streams throw at end of data.
struct ByteReader {
    let bytes: [UInt8]
    let format: ImageFormat
    /// May point past the end after `skip`; the next read then fails.
    var position: Int

    init(_ bytes: [UInt8], format: ImageFormat, position: Int = 0) {
        self.bytes = bytes
        self.format = format
        self.position = position
    }

    var isAtEnd: Bool { position >= bytes.count }

    func endOfData(_ what: String) -> ImagingError {
        .truncated(format: format, detail: "data ends while reading \(what) (at byte \(position) of \(bytes.count))")
    }

    mutating func byte(_ what: @autoclosure () -> String = "a byte") throws(ImagingError) -> UInt8 {
        guard position >= 0, position < bytes.count else { throw endOfData(what()) }
        defer { position += 1 }
        return bytes[position]
    }

    /// Unsigned 16-bit little-endian.
    mutating func uint16LE(_ what: @autoclosure () -> String = "a 16-bit field") throws(ImagingError) -> Int {
        try require(2, what())
        defer { position += 2 }
        return Int(bytes[position]) | Int(bytes[position + 1]) << 8
    }

    /// Signed 32-bit little-endian.
    mutating func int32LE(_ what: @autoclosure () -> String = "a 32-bit field") throws(ImagingError) -> Int {
        try require(4, what())
        defer { position += 4 }
        let u = UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
            | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
        return Int(Int32(bitPattern: u))
    }

    /// Checks that `count` bytes are available at the current position.
    func require(_ count: Int, _ what: @autoclosure () -> String) throws(ImagingError) {
        guard position >= 0, count >= 0, position <= bytes.count, bytes.count - position >= count else {
            throw endOfData(what())
        }
    }

    mutating func skip(_ count: Int) {
        position = count > Int.max - position ? Int.max : position + count
    }
}
