import XCTest
import Imaging
import TestSupport

/// TIFF variants (made by Tests/Fixtures/decode/make_tiff_fixtures.py) against OpenCV's gray output.
final class TIFFDecodeTests: XCTestCase {
    let dir = FixturePaths.local("decode/tiff")

    func testEveryVariantMatchesOpenCV() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tif") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 37)
        for name in names {
            if let problem = FixtureDecodeTests.mismatch(input: dir.appendingPathComponent(name),
                                                         expected: dir.appendingPathComponent(name + ".gray.png")) {
                XCTFail(problem)
            }
        }
    }

    func testMultiPageSelectsEachPage() throws {
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("multipage.tif")))
        for page in 0..<3 {
            let got = try ImageDecoder(options: DecodeOptions(page: page)).decode(bytes)
            let want = try ImageDecoder().decode(contentsOf: dir.appendingPathComponent("multipage.tif.page\(page).gray.png").path)
            XCTAssertEqual(got, want, "page \(page)")
        }
        XCTAssertEqual(try ImageDecoder().decode(bytes),
                       try ImageDecoder(options: DecodeOptions(page: 0)).decode(bytes))
        for page in [3, 1000, -1] {
            XCTAssertThrowsError(try ImageDecoder(options: DecodeOptions(page: page)).decode(bytes)) { error in
                XCTAssertEqual(error as? ImagingError, .pageOutOfRange(page: page, pageCount: 3))
            }
        }
    }

    func testTruncatedTIFFIsAnError() throws {
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("gray8_lzw.tif")))
        for cut in [6, 200, bytes.count / 2] {
            XCTAssertThrowsError(try ImageDecoder().decode(Array(bytes.prefix(cut))), "cut at \(cut)") { error in
                switch error as? ImagingError {
                case .truncated(.tiff, _)?, .corrupt(.tiff, _)?: break
                default: XCTFail("unexpected \(error)")
                }
            }
        }
    }

    func testOversizedTIFFRefusedFromHeader() throws {
        var bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("palette4.tif")))
        // The hand-made file's first two IFD entries are ImageWidth and ImageLength (LONG) at 10 and 22.
        for at in [10 + 8, 22 + 8] {
            bytes.replaceSubrange(at..<at + 4, with: [0xA0, 0x86, 0x01, 0x00])  // 100000
        }
        XCTAssertThrowsError(try ImageDecoder().decode(bytes)) { error in
            XCTAssertEqual(error as? ImagingError,
                           .tooLarge(width: 100_000, height: 100_000, limit: DecodeOptions.defaultMaxPixels))
        }
    }
}
