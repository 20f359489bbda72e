import Imaging
import XCTest

/// `ByteLookup.apply` (AVX-512 VBMI where the CPU has it) against a plain Swift loop: every byte
/// value, lengths around the 64-byte step, in place and out of place.
final class ByteLookupTests: XCTestCase {
    func testEveryPathMapsEveryByteLikeAPlainLoop() {
        var generator = SystemRandomNumberGenerator()
        let tables: [[UInt8]] = [
            (0..<256).map { UInt8(255 - $0) },
            (0..<256).map { UInt8(($0 * 37 + 11) & 255) },
            (0..<256).map { _ in UInt8.random(in: 0...255, using: &generator) },
        ]
        let lengths = [0, 1, 2, 63, 64, 65, 127, 128, 129, 256, 1000, 2877, 4096 + 17]
        for table in tables {
            for n in lengths {
                // Every byte value appears, the high half (top bit set) and the low half mixed.
                let src = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ ($0 >> 8)) }
                let expected = src.map { table[Int($0)] }
                var vectorised = [UInt8](repeating: 0xAA, count: n), scalar = vectorised
                table.withUnsafeBufferPointer { t in
                    src.withUnsafeBufferPointer { s in
                        vectorised.withUnsafeMutableBufferPointer { d in
                            if n > 0 { ByteLookup.apply(t.baseAddress!, from: s.baseAddress!, to: d.baseAddress!, count: n) }
                        }
                        scalar.withUnsafeMutableBufferPointer { d in
                            if n > 0 { ByteLookup.applyScalar(t.baseAddress!, from: s.baseAddress!, to: d.baseAddress!, count: n) }
                        }
                    }
                }
                XCTAssertEqual(vectorised, expected, "length \(n), VBMI \(ByteLookup.usesVBMI)")
                XCTAssertEqual(scalar, expected, "length \(n), scalar")
                var inPlace = src
                table.withUnsafeBufferPointer { t in
                    inPlace.withUnsafeMutableBufferPointer { d in
                        if n > 0 { ByteLookup.apply(t.baseAddress!, from: d.baseAddress!, to: d.baseAddress!, count: n) }
                    }
                }
                XCTAssertEqual(inPlace, expected, "length \(n), in place")
            }
        }
    }

    func testTheTailNeverWritesPastTheCount() {
        // 70 bytes mapped inside a 200-byte buffer: the 6-byte tail of the second 64-byte step
        // must leave the guard bytes after it untouched.
        let table = (0..<256).map { UInt8(($0 + 1) & 255) }
        var buffer = [UInt8](repeating: 7, count: 200)
        table.withUnsafeBufferPointer { t in
            buffer.withUnsafeMutableBufferPointer { b in
                ByteLookup.apply(t.baseAddress!, from: b.baseAddress! + 10, to: b.baseAddress! + 10, count: 70)
            }
        }
        XCTAssertEqual(Array(buffer[0..<10]), [UInt8](repeating: 7, count: 10))
        XCTAssertEqual(Array(buffer[10..<80]), [UInt8](repeating: 8, count: 70))
        XCTAssertEqual(Array(buffer[80...]), [UInt8](repeating: 7, count: 120))
    }
}
