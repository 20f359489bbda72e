import XCTest
import Imaging
import TestSupport

/// Thousands of deterministically mutated files across every format: each must decode or throw a
/// typed error — no crash, no hang, bounded memory (a 4-megapixel limit caps what a mutated header
/// can make the decoder allocate).
final class DecodeFuzzTests: XCTestCase {
    static let mutationsPerSeed = 150

    func seeds() throws -> [(String, [UInt8])] {
        var seeds: [(String, [UInt8])] = []
        for folder in ["fuzz", "tiff", "bmp", "pnm"] {
            let dir = FixturePaths.local("decode/\(folder)")
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            where !name.hasSuffix(".gray.png") {
                seeds.append(("\(folder)/\(name)", try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))))
            }
        }
        return seeds
    }

    func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = seed
        let n = b.count
        switch rng.next() % 8 {
        case 0:  // bit flips
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let i = Int(rng.next() % UInt64(n))
                b[i] ^= UInt8(1) << (rng.next() % 8)
            }
        case 1:  // truncation
            b = Array(b.prefix(Int(rng.next() % UInt64(n))))
        case 2:  // length / offset / dimension field overflow
            let values: [[UInt8]] = [[0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0x80, 0, 0, 0],
                                     [0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0x7F], [0, 0, 0x80, 0], [0xFF, 0xFF]]
            let value = values[Int(rng.next() % UInt64(values.count))]
            let at = Int(rng.next() % UInt64(max(1, min(n, 256) - value.count)))
            if at + value.count <= n { b.replaceSubrange(at..<at + value.count, with: value) }
        case 3:  // header bytes randomised
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                b[Int(rng.next() % UInt64(min(n, 64)))] = UInt8(truncatingIfNeeded: rng.next())
            }
        case 4:  // a range deleted
            let at = Int(rng.next() % UInt64(n))
            b.removeSubrange(at..<min(n, at + 1 + Int(rng.next() % 64)))
        case 5:  // a range duplicated
            let at = Int(rng.next() % UInt64(n))
            let piece = b[at..<min(n, at + 1 + Int(rng.next() % 200))]
            b.insert(contentsOf: piece, at: Int(rng.next() % UInt64(n)))
        case 6:  // a run of 0xFF (JPEG markers, TIFF offsets, RLE escapes)
            let at = Int(rng.next() % UInt64(n))
            for i in at..<min(n, at + 1 + Int(rng.next() % 16)) { b[i] = 0xFF }
        default:  // inside a PNG chunk with its CRC repaired, so libpng looks past the checksum
            if ImageFormat.sniff(b) == .png, n > 60 {
                var offsets: [Int] = []
                var at = 8
                while at + 12 <= b.count {
                    offsets.append(at)
                    let length = PNGBytes.uint32(b, at)
                    guard length <= b.count - at - 12 else { break }
                    at += 12 + length
                }
                let chunk = offsets[Int(rng.next() % UInt64(offsets.count))]
                let length = min(PNGBytes.uint32(b, chunk), b.count - chunk - 12)
                if length > 0 {
                    for _ in 0..<(1 + Int(rng.next() % 3)) {
                        b[chunk + 8 + Int(rng.next() % UInt64(length))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                    }
                    PNGBytes.fixCRC(&b, chunkAt: chunk)
                }
            } else {
                let i = Int(rng.next() % UInt64(n))
                b[i] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        return b
    }

    func testMutatedFilesDecodeOrThrow() throws {
        let seeds = try seeds()
        XCTAssertGreaterThanOrEqual(seeds.count, 75)
        var rng = SplitMix64(seed: 0x5EED_F00D)
        let decoder = ImageDecoder(options: DecodeOptions(maxPixels: 1 << 22))
        let secondPage = ImageDecoder(options: DecodeOptions(maxPixels: 1 << 22, page: 1))
        var decoded = 0, failed = 0, total = 0
        for (name, seed) in seeds {
            for i in 0..<Self.mutationsPerSeed {
                let bytes = mutate(seed, &rng)
                total += 1
                do {
                    let image = try (i % 9 == 8 ? secondPage : decoder).decode(bytes)
                    XCTAssertTrue(image.width > 0 && image.height > 0 && image.pixelCount <= 1 << 22, name)
                    decoded += 1
                } catch {
                    XCTAssertFalse(error.description.isEmpty, name)
                    failed += 1
                }
            }
        }
        XCTAssertEqual(total, seeds.count * Self.mutationsPerSeed)
        // Both outcomes must occur, or the mutations are not reaching the decoders.
        XCTAssertGreaterThan(decoded, total / 10)
        XCTAssertGreaterThan(failed, total / 10)
        print("fuzz: \(total) mutated files, \(decoded) decoded, \(failed) rejected with typed errors")
    }
}
