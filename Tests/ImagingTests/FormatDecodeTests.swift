import XCTest
import Imaging
import TestSupport

/// BMP, PNM and edge-case fixtures (see Tests/Fixtures/decode/README.md) against OpenCV's gray output.
final class FormatDecodeTests: XCTestCase {
    func checkFolder(_ folder: String, expectedCount: Int) throws {
        let dir = FixturePaths.local("decode/\(folder)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix(".gray.png") }.sorted()
        XCTAssertEqual(names.count, expectedCount)
        for name in names {
            if let problem = FixtureDecodeTests.mismatch(input: dir.appendingPathComponent(name),
                                                         expected: dir.appendingPathComponent(name + ".gray.png")) {
                XCTFail(problem)
            }
        }
    }

    func testEveryBMPVariantMatchesOpenCV() throws {
        try checkFolder("bmp", expectedCount: 18)
    }

    func testEveryPNMVariantMatchesOpenCV() throws {
        try checkFolder("pnm", expectedCount: 13)
    }

    /// The small PNG/JPEG fuzz seeds (Adam7 RGB and 2-bit gray, 16-bit RGB/RGBA, 2-bit palette, palette and
    /// gray tRNS, RGBA, bilevel, baseline/4:2:2/restart/progressive/gray/CMYK JPEG, EXIF orientations 2, 4–8
    /// in JPEG APP1 and PNG eXIf) double as decode fixtures.
    func testFuzzSeedsMatchOpenCV() throws {
        try checkFolder("fuzz", expectedCount: 23)
    }

    /// Edge cases: the decoder reads exactly the files OpenCV reads (same pixels) and refuses the rest
    /// (those have no golden).
    func checkEdgeFolder(_ folder: String, files: Int, refused expectedRefusals: Int) throws {
        let dir = FixturePaths.local("decode/\(folder)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix(".gray.png") }.sorted()
        XCTAssertEqual(names.count, files)
        var refused = 0
        for name in names {
            let golden = dir.appendingPathComponent(name + ".gray.png")
            if FileManager.default.fileExists(atPath: golden.path) {
                if let problem = FixtureDecodeTests.mismatch(input: dir.appendingPathComponent(name), expected: golden) {
                    XCTFail(problem)
                }
            } else {
                refused += 1
                XCTAssertThrowsError(try ImageDecoder().decode(contentsOf: dir.appendingPathComponent(name).path), name)
            }
        }
        XCTAssertEqual(refused, expectedRefusals)
    }

    func testBMPEdgeCasesAgreeWithOpenCV() throws {
        try checkEdgeFolder("bmp_edge", files: 18, refused: 7)
    }

    /// Also refuses corrupt_lzw_data.tif, which OpenCV half-decodes despite libtiff's error (deliberate).
    func testTIFFEdgeCasesAgreeWithOpenCV() throws {
        try checkEdgeFolder("tiff_edge", files: 13, refused: 6)
    }

    func testPNMEdgeCasesAgreeWithOpenCV() throws {
        try checkEdgeFolder("pnm_edge", files: 20, refused: 10)
    }

    func bytes(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: FixturePaths.local("decode/\(path)")))
    }

    func testTruncatedFilesAreErrors() throws {
        for path in ["bmp/rgb24.bmp", "bmp/rle8.bmp", "bmp/rle4.bmp", "bmp/pal4.bmp", "pnm/p6.ppm", "pnm/p2.pgm", "pnm/p1.pbm"] {
            let full = try bytes(path)
            for cut in [3, 30, full.count / 2, full.count - 3] {
                XCTAssertThrowsError(try ImageDecoder().decode(Array(full.prefix(cut))), "\(path) cut at \(cut)") { error in
                    switch error as? ImagingError {
                    case .truncated?, .corrupt?, .unsupportedVariant?: break
                    default: XCTFail("\(path): unexpected \(error)")
                    }
                }
            }
        }
    }

    func testOversizedHeadersRefusedBeforeAllocation() throws {
        var bmp = try bytes("bmp/rgb24.bmp")
        bmp.replaceSubrange(18..<26, with: [0xA0, 0x86, 0x01, 0x00, 0xA0, 0x86, 0x01, 0x00])  // 100000 × 100000
        XCTAssertThrowsError(try ImageDecoder().decode(bmp)) { error in
            XCTAssertEqual(error as? ImagingError, .tooLarge(width: 100_000, height: 100_000, limit: DecodeOptions.defaultMaxPixels))
        }
        let pgm = Array("P5\n100000 100000\n255\n".utf8) + [1, 2, 3]
        XCTAssertThrowsError(try ImageDecoder().decode(pgm)) { error in
            XCTAssertEqual(error as? ImagingError, .tooLarge(width: 100_000, height: 100_000, limit: DecodeOptions.defaultMaxPixels))
        }
    }

    func testMalformedPNMHeader() {
        XCTAssertThrowsError(try ImageDecoder().decode(Array("P2\n3 x\n255\n".utf8))) { error in
            guard case .corrupt(.pnm, let detail)? = error as? ImagingError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("unexpected character"), detail)
        }
        XCTAssertThrowsError(try ImageDecoder().decode(Array("P5\n2 2\n70000\n".utf8))) { error in
            guard case .corrupt(.pnm, _)? = error as? ImagingError else { return XCTFail("\(error)") }
        }
    }
}
