import XCTest
import Imaging
import TestSupport

/// Bad input gives a clear typed error, never a crash.
final class DecodeErrorTests: XCTestCase {
    let decoder = ImageDecoder()

    func fixture(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: FixturePaths.local("decode/inputs/\(name)")))
    }

    func assertError(_ bytes: [UInt8], decoder: ImageDecoder? = nil, file: StaticString = #filePath, line: UInt = #line,
                     _ check: (ImagingError) -> Bool) {
        do {
            let image = try (decoder ?? self.decoder).decode(bytes)
            XCTFail("decoded \(image.width)×\(image.height) instead of failing", file: file, line: line)
        } catch {
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertFalse(error.description.isEmpty, file: file, line: line)
        }
    }

    func testEmptyInput() {
        assertError([]) { $0 == .emptyInput }
    }

    func testUnknownFormat() {
        assertError(Array("GIF89a-not-supported".utf8)) {
            if case .unsupportedFormat(let hint) = $0 { return hint.hasPrefix("47 49 46") }
            return false
        }
    }

    func testUnreadableFile() {
        do {
            _ = try decoder.decode(contentsOf: "/nonexistent/scan.png")
            XCTFail("decoded a missing file")
        } catch {
            guard case .unreadableFile(let path, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "/nonexistent/scan.png")
            XCTAssertTrue(reason.contains("No such file"), reason)
        }
    }

    func testTruncatedPNG() throws {
        let png = try fixture("s3_0_palette.png")
        for cut in [20, 40, png.count / 2, png.count - 12] {
            assertError(Array(png.prefix(cut))) {
                if case .truncated(.png, _) = $0 { return true }
                return false
            }
        }
    }

    func testTruncatedJPEG() throws {
        for name in ["s3_6_444.jpg", "s3_2_progressive.jpg"] {
            let jpeg = try fixture(name)
            for cut in [jpeg.count / 3, jpeg.count - 100] {
                assertError(Array(jpeg.prefix(cut))) {
                    if case .truncated(.jpeg, let detail) = $0 { return detail.contains("Premature end") }
                    return false
                }
            }
        }
    }

    func testJPEGWhoseDataStopsAtAMarkerIsTruncated() throws {
        // Cut inside the entropy-coded data and close the file properly: still missing image data.
        let jpeg = try fixture("s3_6_422.jpg")
        assertError(Array(jpeg.prefix(jpeg.count / 2)) + [0xFF, 0xD9]) {
            if case .truncated(.jpeg, let detail) = $0 { return detail.contains("premature end of data segment") }
            return false
        }
    }

    func testCorruptPNGChunkCRC() throws {
        var png = try fixture("s3_0_palette.png")
        png[8 + 8 + 13] ^= 0x55   // IHDR's stored CRC no longer matches its data
        assertError(png) {
            if case .corrupt(.png, let detail) = $0 { return detail.contains("CRC") }
            return false
        }
    }

    func testCorruptPNGCompressedData() throws {
        // Valid CRCs around a damaged zlib stream: libpng reports the inflate failure.
        var png = try fixture("s3_0_palette.png")
        let idat = try XCTUnwrap(PNGBytes.chunkOffset(png, type: "IDAT"))
        let length = PNGBytes.uint32(png, idat)
        for i in 0..<min(64, length - 2) { png[idat + 8 + 2 + i] = 0xFF }
        PNGBytes.fixCRC(&png, chunkAt: idat)
        assertError(png) {
            if case .corrupt(.png, _) = $0 { return true }
            return false
        }
    }

    func testGarbageAfterMagic() {
        var rng = SplitMix64(seed: 7)
        let garbage = (0..<600).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        assertError([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + garbage) {
            if case .corrupt(.png, _) = $0 { return true }
            return false
        }
        assertError([0xFF, 0xD8, 0xFF] + garbage) {
            if case .corrupt(.jpeg, _) = $0 { return true }
            if case .truncated(.jpeg, _) = $0 { return true }
            return false
        }
    }

    func testOversizedPNGRefusedFromHeader() throws {
        // A 66-byte PNG whose IHDR claims 100000×100000: refused before any pixel allocation.
        var png = try PNGEncoder.encode(GrayImage(width: 1, height: 1, filledWith: 9))
        PNGBytes.setUInt32(&png, 16, 100_000)
        PNGBytes.setUInt32(&png, 20, 100_000)
        PNGBytes.fixCRC(&png, chunkAt: 8)
        assertError(png) { $0 == .tooLarge(width: 100_000, height: 100_000, limit: DecodeOptions.defaultMaxPixels) }
    }

    func testOversizedJPEGRefusedFromHeader() {
        // SOI, SOF0 60000×60000 gray, SOS: only a header, no tables or data.
        let jpeg: [UInt8] = [0xFF, 0xD8,
                             0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xEA, 0x60, 0xEA, 0x60, 0x01, 0x01, 0x11, 0x00,
                             0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]
        assertError(jpeg) { $0 == .tooLarge(width: 60_000, height: 60_000, limit: DecodeOptions.defaultMaxPixels) }
    }

    func testConfigurablePixelLimit() throws {
        let png = try fixture("s3_0_palette.png")
        let full = try decoder.decode(png)
        let tight = ImageDecoder(options: DecodeOptions(maxPixels: full.pixelCount - 1))
        assertError(png, decoder: tight) { $0 == .tooLarge(width: full.width, height: full.height, limit: full.pixelCount - 1) }
        XCTAssertEqual(try ImageDecoder(options: DecodeOptions(maxPixels: full.pixelCount)).decode(png), full)
    }

    func testPageOtherThanZeroOnSinglePageFormat() throws {
        let png = try fixture("s3_0_palette.png")
        assertError(png, decoder: ImageDecoder(options: DecodeOptions(page: 1))) {
            $0 == .pageOutOfRange(page: 1, pageCount: 1)
        }
    }

    func testPathAndBytesDecodeAlike() throws {
        let url = FixturePaths.local("decode/inputs/s3_6_422.jpg")
        XCTAssertEqual(try decoder.decode(contentsOf: url.path), try decoder.decode(try fixture("s3_6_422.jpg")))
    }

    func testSniff() {
        XCTAssertEqual(ImageFormat.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), .png)
        XCTAssertEqual(ImageFormat.sniff([0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertEqual(ImageFormat.sniff(Array("II*\0".utf8)), .tiff)
        XCTAssertEqual(ImageFormat.sniff([0x4D, 0x4D, 0x00, 0x2B]), .tiff)
        XCTAssertEqual(ImageFormat.sniff(Array("BM6".utf8)), .bmp)
        XCTAssertEqual(ImageFormat.sniff(Array("P5\n".utf8)), .pnm)
        XCTAssertNil(ImageFormat.sniff(Array("P7\n".utf8)))
        XCTAssertNil(ImageFormat.sniff([0x89, 0x50]))
        XCTAssertNil(ImageFormat.sniff([UInt8]()))
    }
}

/// Minimal PNG chunk surgery for crafting bad files.
enum PNGBytes {
    static func uint32(_ b: [UInt8], _ at: Int) -> Int {
        Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }

    static func setUInt32(_ b: inout [UInt8], _ at: Int, _ value: Int) {
        for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
    }

    /// Offset of the first chunk of `type` (its length field).
    static func chunkOffset(_ b: [UInt8], type: String) -> Int? {
        var at = 8
        let tag = Array(type.utf8)
        while at + 8 <= b.count {
            if Array(b[at + 4..<at + 8]) == tag { return at }
            at += 12 + uint32(b, at)
        }
        return nil
    }

    /// Recomputes the CRC of the chunk whose length field is at `at`.
    static func fixCRC(_ b: inout [UInt8], chunkAt at: Int) {
        let length = uint32(b, at)
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in b[at + 4..<at + 8 + length] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        setUInt32(&b, at + 8 + length, Int(crc ^ 0xFFFF_FFFF))
    }
}

/// Deterministic pseudo-random numbers for reproducible test data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
