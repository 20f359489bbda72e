import XCTest
import Digest

final class SHA256Tests: XCTestCase {
    private func hex(_ s: String) -> String { SHA256.hex(SHA256.hash(Array(s.utf8))) }

    func testKnownVectors() {
        // FIPS 180-4 / NIST examples.
        XCTAssertEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(SHA256.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalUpdatesEqualOneShot() {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let oneShot = SHA256.hash(message)
        for chunk in [1, 3, 55, 56, 63, 64, 65, 200] {
            var h = SHA256()
            var i = 0
            while i < message.count {
                h.update(message[i..<min(i + chunk, message.count)])
                i += chunk
            }
            XCTAssertEqual(h.finalize(), oneShot, "chunk size \(chunk)")
        }
        // A non-contiguous sequence takes the same path.
        XCTAssertEqual(SHA256.hash(message.lazy.map { $0 }), oneShot)
    }
}
