import CImageShims
import Foundation
import Imaging
import TestSupport
import XCTest

/// The whole-image inflate path for PNG (png_whole.c) against libpng alone: for every colour type,
/// bit depth and filter, for damaged files, and for the fixtures and shared scans, `sv_png_decode`
/// gives exactly what `sv_png_decode_libpng` gives — the same status, message, size and pixels.
final class PNGWholeInflateTests: XCTestCase {
    /// One decode's outcome, comparable.
    struct Outcome: Equatable, CustomStringConvertible {
        var status: Int32, width: UInt32, height: UInt32, message: String, pixels: [UInt8]
        var description: String { "status \(status) \(width)×\(height) '\(message)'" }
    }

    static func outcome(_ bytes: [UInt8], libpngOnly: Bool) -> Outcome {
        var limits = sv_limits(max_pixels: 200_000_000, max_seconds: 0, max_scans: 0)
        var result = sv_result()
        if libpngOnly {
            sv_png_decode_libpng(bytes, bytes.count, &limits, &result)
        } else {
            sv_png_decode(bytes, bytes.count, &limits, &result)
        }
        defer { sv_free(result.pixels); sv_free(result.exif) }
        let message = withUnsafeBytes(of: result.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let count = result.pixels == nil ? 0 : Int(result.width) * Int(result.height)
        let pixels = count == 0 ? [] : Array(UnsafeBufferPointer(start: result.pixels, count: count))
        return Outcome(status: result.status, width: result.width, height: result.height, message: message, pixels: pixels)
    }

    /// Whether the whole-image path decodes `bytes` itself rather than leaving them to libpng.
    static func takesWholePath(_ bytes: [UInt8]) -> Bool {
        var limits = sv_limits(max_pixels: 200_000_000, max_seconds: 0, max_scans: 0)
        var result = sv_result()
        defer { sv_free(result.pixels); sv_free(result.exif) }
        return sv_png_decode_whole(bytes, bytes.count, &limits, &result) == 1
    }

    func assertSameAsLibpng(_ bytes: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let fast = Self.outcome(bytes, libpngOnly: false), reference = Self.outcome(bytes, libpngOnly: true)
        XCTAssertEqual(fast, reference, what, file: file, line: line)
    }

    func testEveryColourTypeDepthAndFilterDecodesAsLibpngDoes() {
        var rng = SplitMix64(seed: 2026)
        let variants: [(color: UInt8, depths: [UInt8])] = [(0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]),
                                                           (4, [8, 16]), (6, [8, 16])]
        var decoded = 0, built = 0
        for (color, depths) in variants {
            for depth in depths {
                for width in [1, 3, 7, 8, 9, 33, 130] {
                    for filters in [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4], [4, 4, 4, 0, 4, 4, 4, 2]] as [[UInt8]] {
                        // Three IDATs: one stored-deflate chunk would be longer than the image, which
                        // libpng (and so the whole path) leaves to its own checks.
                        var png = PNGVariant(width: width, height: 7, color: color, depth: depth, filters: filters)
                        png.idatChunks = 3
                        let bytes = png.encode(using: &rng)
                        let what = "colour \(color) depth \(depth) width \(width) filters \(filters)"
                        XCTAssertTrue(Self.takesWholePath(bytes), what)
                        assertSameAsLibpng(bytes, what)
                        built += 1
                        if Self.outcome(bytes, libpngOnly: false).status == 0 { decoded += 1 }
                    }
                }
            }
        }
        XCTAssertEqual(decoded, built, "every variant decodes (a full palette: every index is inside it)")
        XCTAssertEqual(built, 15 * 7 * 7)
    }

    /// Palette indices past a short palette, a bad filter type, a smaller zlib window, split IDATs and
    /// trailing zlib bytes: each is libpng's to decide, and the outcome is libpng's.
    func testFilesTheWholePathLeavesToLibpngDecodeAsLibpngDoes() {
        var rng = SplitMix64(seed: 7)
        var short = PNGVariant(width: 9, height: 4, color: 3, depth: 4, filters: [0])
        short.paletteSize = 5
        assertSameAsLibpng(short.encode(using: &rng), "indices past the palette")
        var badFilter = PNGVariant(width: 9, height: 4, color: 0, depth: 8, filters: [5])
        assertSameAsLibpng(badFilter.encode(using: &rng), "filter type 5")
        badFilter.filters = [0]
        badFilter.idatChunks = 3
        assertSameAsLibpng(badFilter.encode(using: &rng), "three IDAT chunks")
        badFilter.trailingZlibBytes = 4
        assertSameAsLibpng(badFilter.encode(using: &rng), "bytes after the zlib stream")
        var small = PNGVariant(width: 300, height: 300, color: 0, depth: 8, filters: [1])
        small.windowLog = 9
        assertSameAsLibpng(small.encode(using: &rng), "512-byte window for a 90 KB image")
    }

    /// Flipped bits and cut files, with and without the chunks' CRCs fixed afterwards.
    func testDamagedFilesDecodeAsLibpngDoes() throws {
        var rng = SplitMix64(seed: 11)
        let seeds = try pngFiles(under: FixturePaths.local("decode")).prefix(40)
        XCTAssertGreaterThan(seeds.count, 10)
        for url in seeds {
            let original = try [UInt8](Data(contentsOf: url))
            for trial in 0..<25 {
                var bytes = original
                for _ in 0...(trial % 3) {
                    let at = 8 + Int(rng.next() % UInt64(bytes.count - 8))
                    bytes[at] ^= UInt8(1) << (rng.next() % 8)
                }
                if trial % 4 == 1 { bytes = Array(bytes.prefix(8 + Int(rng.next() % UInt64(bytes.count - 8)))) }
                if trial % 2 == 0 { PNGVariant.fixCRCs(&bytes) }
                assertSameAsLibpng(bytes, "\(url.lastPathComponent) trial \(trial)")
            }
        }
    }

    /// Real scans: the shared data's PNGs (a fixed sample) decode to libpng's pixels.
    func testSharedScansDecodeAsLibpngDoes() throws {
        guard let data = FixturePaths.sharedData else { throw XCTSkip("../shared/data is not present") }
        let files = try pngFiles(under: data)
        XCTAssertGreaterThan(files.count, 100)
        for url in stride(from: 0, to: files.count, by: max(1, files.count / 400)).map({ files[$0] }) {
            assertSameAsLibpng(try [UInt8](Data(contentsOf: url)), url.path)
        }
    }

    func pngFiles(under folder: URL) throws -> [URL] {
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        let all = (walker?.allObjects as? [URL]) ?? []
        return all.filter { $0.pathExtension.lowercased() == "png" }.sorted { $0.path < $1.path }
    }
}

/// A PNG of random samples in any colour type and depth, each row filtered with the given filter
/// types in turn, compressed as stored deflate blocks (zlib framing, Adler-32, CRCs all correct).
struct PNGVariant {
    var width: Int, height: Int, color: UInt8, depth: UInt8, filters: [UInt8]
    var paletteSize = 256
    var idatChunks = 1
    var trailingZlibBytes = 0
    var windowLog = 15

    var channels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][color]! }
    var rowBytes: Int { (width * channels * Int(depth) + 7) / 8 }
    var pixelBytes: Int { max(1, channels * Int(depth) / 8) }

    func encode<G: RandomNumberGenerator>(using rng: inout G) -> [UInt8] {
        var raw: [UInt8] = []
        var prior = [UInt8](repeating: 0, count: rowBytes)
        for y in 0..<height {
            let row = (0..<rowBytes).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let filter = filters[y % filters.count]
            raw.append(filter)
            raw += Self.filtered(row, prior: prior, type: filter, bpp: pixelBytes)
            prior = row
        }
        var png: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        var header = Self.be32(UInt32(width)) + Self.be32(UInt32(height))
        header += [depth, color, 0, 0, 0]
        Self.append("IHDR", header, to: &png)
        if color == 3 {
            Self.append("PLTE", (0..<paletteSize * 3).map { _ in UInt8.random(in: 0...255, using: &rng) }, to: &png)
        }
        let zlib = storedZlib(raw) + [UInt8](repeating: 0, count: trailingZlibBytes)
        let piece = (zlib.count + idatChunks - 1) / idatChunks
        for start in stride(from: 0, to: zlib.count, by: max(1, piece)) {
            Self.append("IDAT", Array(zlib[start..<min(zlib.count, start + piece)]), to: &png)
        }
        Self.append("IEND", [], to: &png)
        return png
    }

    func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8((windowLog - 8) << 4 | 8)]
        out.append(UInt8((31 - (Int(out[0]) * 256) % 31) % 31))
        var start = 0
        repeat {
            let n = min(65_535, data.count - start)
            out.append(start + n == data.count ? 1 : 0)
            out += [UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)]
            out += data[start..<start + n]
            start += n
        } while start < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        return out + Self.be32(b << 16 | a)
    }

    static func filtered(_ row: [UInt8], prior: [UInt8], type: UInt8, bpp: Int) -> [UInt8] {
        (0..<row.count).map { i in
            let a = i >= bpp ? Int(row[i - bpp]) : 0, b = Int(prior[i]), c = i >= bpp ? Int(prior[i - bpp]) : 0
            let predicted: Int
            switch type {
            case 1: predicted = a
            case 2: predicted = b
            case 3: predicted = (a + b) / 2
            case 4:
                let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
            default: predicted = 0
            }
            return UInt8(truncatingIfNeeded: Int(row[i]) - predicted)
        }
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

    static func append(_ type: String, _ body: [UInt8], to png: inout [UInt8]) {
        let typed = Array(type.utf8) + body
        png += be32(UInt32(body.count)) + typed + be32(crc32(typed))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    /// Recomputes every chunk's CRC (after damage), so damage reaches past the CRC check.
    static func fixCRCs(_ png: inout [UInt8]) {
        var pos = 8
        while pos + 12 <= png.count {
            let length = Int(png[pos]) << 24 | Int(png[pos + 1]) << 16 | Int(png[pos + 2]) << 8 | Int(png[pos + 3])
            guard length <= png.count - pos - 12 else { return }
            let crc = be32(crc32(Array(png[pos + 4..<pos + 8 + length])))
            png.replaceSubrange(pos + 8 + length..<pos + 12 + length, with: crc)
            pos += 12 + length
        }
    }
}
