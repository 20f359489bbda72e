import Dispatch
import Imaging
import TestSupport
import XCTest

/// Issue 19, finding 2: decode time is bounded *during* the decode. A progressive JPEG whose last
/// refinement scan is repeated thousands of times is a few KB that costs libjpeg minutes of CPU;
/// the shims stop it at the scan limit or at the deadline, and stop PNG and TIFF decodes at the
/// deadline between rows and strips.
final class HostileDecodeTests: XCTestCase {
    /// A flat gray progressive JPEG of `side`² pixels whose last (AC refinement) scan is repeated
    /// `extraScans` times.
    static func jpegBomb(side: Int, extraScans: Int) throws -> [UInt8] {
        let flat = GrayImage(width: side, height: side, filledWith: 200)
        let jpeg = try JPEGEncoder.encode(flat, quality: 90, progressive: true)
        return try XCTUnwrap(HostileScans.repeatingLastScan(of: jpeg, extraScans: extraScans))
    }

    /// Wall seconds since `t0` (a `DispatchTime` uptime in nanoseconds).
    private func seconds(since t0: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    func testTheBombIsAValidJPEGThatDecodesToTheImageWithinTheLimits() throws {
        // A few repeated scans are harmless (libjpeg only warns): the same pixels as the clean file.
        let clean = try JPEGEncoder.encode(GrayImage(width: 64, height: 64, filledWith: 200), progressive: true)
        let repeated = try XCTUnwrap(HostileScans.repeatingLastScan(of: clean, extraScans: 20))
        XCTAssertGreaterThan(repeated.count, clean.count)
        XCTAssertEqual(try ImageDecoder().decode(repeated), try ImageDecoder().decode(clean))
    }

    func testAProgressiveJPEGWithThousandsOfScansIsRefusedAtTheScanLimit() throws {
        let bomb = try Self.jpegBomb(side: 256, extraScans: 3000)
        XCTAssertLessThan(bomb.count, 100_000)
        var caught: Error?
        let t0 = DispatchTime.now().uptimeNanoseconds
        XCTAssertThrowsError(try ImageDecoder().decode(bomb)) { caught = $0 }
        let elapsed = seconds(since: t0)
        XCTAssertEqual(caught as? ImagingError, .tooManyScans(limit: 1000))
        XCTAssertEqual("\(caught!)", "progressive JPEG with over 1000 scans (a real one has about 10): refused as a decompression bomb")
        XCTAssertLessThan(elapsed, 2, "refused as the 1001st scan starts")
        // The limit is an option: a file under it decodes.
        XCTAssertNoThrow(try ImageDecoder(options: DecodeOptions(maxJPEGScans: 5000)).decode(bomb))
    }

    func testAJPEGDecodeIsStoppedAtItsDeadlineNotAfterIt() throws {
        // 3000² = 140,625 blocks walked per repeated scan: 900 scans (under the scan limit) take
        // many seconds of CPU without a deadline.
        let bomb = try Self.jpegBomb(side: 3000, extraScans: 900)
        var caught: Error?
        let t0 = DispatchTime.now().uptimeNanoseconds
        XCTAssertThrowsError(try ImageDecoder(options: DecodeOptions(maxDecodeSeconds: 0.5)).decode(bomb)) { caught = $0 }
        let elapsed = seconds(since: t0)
        guard case .decodeTimeLimit(.jpeg, let stoppedAfter, 0.5)? = caught as? ImagingError else {
            return XCTFail("\(String(describing: caught))")
        }
        XCTAssertGreaterThanOrEqual(stoppedAfter, 0.5)
        XCTAssertLessThan(elapsed, 2, "stopped at the deadline, during the decode")
        XCTAssertTrue("\(caught!)".hasPrefix("JPEG decode took over 0.5 s and was stopped after "), "\(caught!)")
    }

    func testPNGAndTIFFDecodesAreStoppedBetweenRowsAndStrips() throws {
        let options = DecodeOptions(maxDecodeSeconds: 0.000_001)
        let png = try PNGEncoder.encode(GrayImage(width: 2000, height: 2000, filledWith: 255))
        XCTAssertThrowsError(try ImageDecoder(options: options).decode(png)) { error in
            guard case .decodeTimeLimit(.png, _, _) = error as? ImagingError else { return XCTFail("\(error)") }
        }
        let tiff = HostileScans.tiff(width: 2000, height: 2000, rowsPerStrip: 16)
        XCTAssertThrowsError(try ImageDecoder(options: options).decode(tiff)) { error in
            guard case .decodeTimeLimit(.tiff, _, _) = error as? ImagingError else { return XCTFail("\(error)") }
        }
        // Without a deadline (or a generous one) both decode as before.
        for bytes in [png, tiff] {
            XCTAssertEqual(try ImageDecoder(options: DecodeOptions(maxDecodeSeconds: 60)).decode(bytes),
                           GrayImage(width: 2000, height: 2000, filledWith: 255))
        }
    }

    func testAOnePixelWidePNGOfAMillionRowsDecodesQuicklyWithoutARowPointerArray() throws {
        let png = try PNGEncoder.encode(GrayImage(width: 1, height: 1_000_000, filledWith: 0))
        XCTAssertLessThan(png.count, 20_000)
        var image: GrayImage?
        let t0 = DispatchTime.now().uptimeNanoseconds
        image = try ImageDecoder(options: DecodeOptions(maxDecodeSeconds: 20)).decode(png)
        let elapsed = seconds(since: t0)
        XCTAssertEqual(image?.height, 1_000_000)
        XCTAssertLessThan(elapsed, 2)
    }
}
