import XCTest
import Dispatch
import Imaging
import TestSupport

/// The worker decodes on several threads at once: libpng/libjpeg state is per call and libtiff's
/// error handlers are per open, so concurrent decodes (good and bad files) must give the same results.
final class ConcurrentDecodeTests: XCTestCase {
    func testConcurrentDecodesMatchSequentialOnes() throws {
        var files: [[UInt8]] = []
        for folder in ["fuzz", "tiff", "bmp", "pnm"] {
            let dir = FixturePaths.local("decode/\(folder)")
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where !name.hasSuffix(".gray.png") {
                let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
                files.append(bytes)
                files.append(Array(bytes.prefix(bytes.count / 2)))  // failing twin
            }
        }
        let decoder = ImageDecoder()
        func outcome(_ bytes: [UInt8]) -> Result<GrayImage, ImagingError> {
            do throws(ImagingError) { return .success(try decoder.decode(bytes)) } catch { return .failure(error) }
        }
        let expected = files.map(outcome)
        /// One pre-initialised slot per lane; each lane writes only its own slot.
        struct Slots: @unchecked Sendable {
            let base: UnsafeMutablePointer<[Result<GrayImage, ImagingError>]>
        }
        let lanes = 4
        let slots = Slots(base: .allocate(capacity: lanes))
        slots.base.initialize(repeating: [], count: lanes)
        defer {
            slots.base.deinitialize(count: lanes)
            slots.base.deallocate()
        }
        let snapshot = files
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            // Each lane walks the files in a different order; only its own slot is written.
            let order = lane % 2 == 0 ? Array(snapshot.indices) : snapshot.indices.reversed()
            var mine = Array(repeating: Result<GrayImage, ImagingError>.failure(.emptyInput), count: snapshot.count)
            for i in order {
                do throws(ImagingError) {
                    mine[i] = .success(try ImageDecoder().decode(snapshot[i]))
                } catch {
                    mine[i] = .failure(error)
                }
            }
            slots.base[lane] = mine
        }
        for lane in 0..<lanes {
            XCTAssertEqual(slots.base[lane].count, expected.count)
            for (i, got) in slots.base[lane].enumerated() where got != expected[i] {
                XCTFail("lane \(lane), file \(i): \(got) != \(expected[i])")
            }
        }
    }
}
