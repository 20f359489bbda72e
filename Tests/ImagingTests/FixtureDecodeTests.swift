import XCTest
import Imaging
import TestSupport

/// Decoding must equal OpenCV's `cvtColor(imread(path), BGR2GRAY)` pixel for pixel.
final class FixtureDecodeTests: XCTestCase {
    /// Decodes `input` and compares it with the 8-bit gray golden PNG; returns a mismatch description or nil.
    static func mismatch(input: URL, expected: URL) -> String? {
        let decoder = ImageDecoder()
        let got: GrayImage
        let want: GrayImage
        do { got = try decoder.decode(contentsOf: input.path) } catch { return "\(input.lastPathComponent): \(error)" }
        do { want = try decoder.decode(contentsOf: expected.path) } catch {
            return "\(expected.lastPathComponent): \(error)"
        }
        if got.width != want.width || got.height != want.height {
            return "\(input.lastPathComponent): size \(got.width)×\(got.height), expected \(want.width)×\(want.height)"
        }
        var differing = 0, maxDiff = 0
        for i in 0..<got.pixels.count where got.pixels[i] != want.pixels[i] {
            differing += 1
            maxDiff = max(maxDiff, abs(Int(got.pixels[i]) - Int(want.pixels[i])))
        }
        return differing == 0 ? nil
            : "\(input.lastPathComponent): \(differing) of \(got.pixels.count) pixels differ (max |Δ| \(maxDiff))"
    }

    /// Every `<name>` in `inputs` with `<name>.gray.png` in `expected`.
    static func pairs(inputs: URL, expected: URL) throws -> [(URL, URL)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: inputs.path).sorted()
        return names.compactMap { name in
            let golden = expected.appendingPathComponent(name + ".gray.png")
            guard FileManager.default.fileExists(atPath: golden.path) else { return nil }
            return (inputs.appendingPathComponent(name), golden)
        }
    }

    func testCommittedFixturesMatchOpenCV() throws {
        let dir = FixturePaths.local("decode")
        let pairs = try Self.pairs(inputs: dir.appendingPathComponent("inputs"), expected: dir.appendingPathComponent("expected"))
        XCTAssertGreaterThanOrEqual(pairs.count, 16, "committed decode fixtures missing")
        for (input, golden) in pairs {
            if let problem = Self.mismatch(input: input, expected: golden) { XCTFail(problem) }
        }
    }

    func testAllSharedFixturesMatchOpenCV() throws {
        guard let inputs = FixturePaths.shared("preprocess/inputs"),
              let expected = FixturePaths.shared("preprocess/expected") else {
            throw XCTSkip("../shared/fixtures/preprocess absent")
        }
        let pairs = try Self.pairs(inputs: inputs, expected: expected)
        XCTAssertEqual(pairs.count, 70)
        for (input, golden) in pairs {
            if let problem = Self.mismatch(input: input, expected: golden) { XCTFail(problem) }
        }
    }
}
