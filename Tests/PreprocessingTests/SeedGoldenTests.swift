import Foundation
import XCTest
import Imaging
import Preprocessing
import TestSupport

/// Every seed stage must equal OpenCV's golden output pixel for pixel. Each stage is fed the
/// PREVIOUS stage's golden image, so a decoder difference cannot hide (or cause) a stage bug.
final class SeedGoldenTests: XCTestCase {
    /// (input stage, output stage, the stage function under test)
    static let steps: [(from: String, to: String, apply: @Sendable (GrayImage) throws -> GrayImage)] = [
        ("gray", "equalized", SeedStages.equalizeHistogram),
        ("equalized", "blurred", SeedStages.gaussianBlur3x3),
        ("blurred", "adaptive_mean", { SeedStages.adaptiveMean($0) }),
        ("blurred", "thresholded", { SeedStages.adaptiveThreshold($0) }),
        ("thresholded", "opened", SeedStages.open2x2),
        ("opened", "resized", { try SeedStages.resizeBilinear($0, width: 224, height: 224) }),
        // The whole profile from the decoded gray image.
        ("gray", "resized", { try PreprocessingProfile.seed.run($0).image }),
    ]

    struct Outcome {
        var checks = 0
        var mismatches: [String] = []
    }

    /// Input file names that have golden stages in `directory` (`<name>.gray.png`).
    static func inputNames(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".gray.png") }
            .map { String($0.dropLast(".gray.png".count)) }
            .sorted()
    }

    static func compare(_ got: GrayImage, _ want: GrayImage) -> String? {
        if got.width != want.width || got.height != want.height {
            return "size \(got.width)×\(got.height), expected \(want.width)×\(want.height)"
        }
        var differing = 0, maxDiff = 0
        for i in 0..<got.pixels.count where got.pixels[i] != want.pixels[i] {
            differing += 1
            maxDiff = max(maxDiff, abs(Int(got.pixels[i]) - Int(want.pixels[i])))
        }
        return differing == 0 ? nil : "\(differing) of \(got.pixels.count) pixels differ (max |Δ| \(maxDiff))"
    }

    static func checkAllStages(in directory: URL) throws -> (names: [String], outcome: Outcome) {
        let decoder = ImageDecoder()
        let names = try inputNames(in: directory)
        var outcome = Outcome()
        for name in names {
            var cache: [String: GrayImage] = [:]
            func golden(_ stage: String) throws -> GrayImage {
                if let image = cache[stage] { return image }
                let image = try decoder.decode(contentsOf: directory.appendingPathComponent("\(name).\(stage).png").path)
                cache[stage] = image
                return image
            }
            for step in steps {
                outcome.checks += 1
                do {
                    if let problem = compare(try step.apply(try golden(step.from)), try golden(step.to)) {
                        outcome.mismatches.append("\(name) \(step.from)→\(step.to): \(problem)")
                    }
                } catch {
                    outcome.mismatches.append("\(name) \(step.from)→\(step.to): \(error)")
                }
            }
        }
        return (names, outcome)
    }

    func testCommittedSubsetMatchesOpenCV() throws {
        let (names, outcome) = try Self.checkAllStages(in: FixturePaths.local("preprocess"))
        XCTAssertGreaterThanOrEqual(names.count, 12, "committed preprocess fixtures are missing")
        XCTAssertEqual(outcome.checks, names.count * Self.steps.count)
        XCTAssert(outcome.mismatches.isEmpty, outcome.mismatches.joined(separator: "\n"))
    }

    func testFullSharedSetMatchesOpenCV() throws {
        guard let directory = FixturePaths.shared("preprocess/expected") else {
            throw XCTSkip("../shared/fixtures/preprocess is absent; only the committed subset was checked")
        }
        let (names, outcome) = try Self.checkAllStages(in: directory)
        XCTAssertEqual(names.count, 70, "the shared fixture set should hold 70 inputs")
        XCTAssert(outcome.mismatches.isEmpty, outcome.mismatches.joined(separator: "\n"))
    }

    /// Decode the original scan, run the profile, compare with OpenCV's resize output and check
    /// the network input is exactly `Float32(v) / 255`.
    func testEndToEndFromSharedInputs() throws {
        guard let inputs = FixturePaths.shared("preprocess/inputs"),
              let expected = FixturePaths.shared("preprocess/expected") else {
            throw XCTSkip("../shared/fixtures/preprocess is absent")
        }
        let decoder = ImageDecoder()
        var mismatches: [String] = []
        let names = try Self.inputNames(in: expected)
        for name in names {
            do {
                let scan = try PreprocessingProfile.seed.run(decoder.decode(contentsOf: inputs.appendingPathComponent(name).path))
                let want = try decoder.decode(contentsOf: expected.appendingPathComponent("\(name).resized.png").path)
                if let problem = Self.compare(scan.image, want) { mismatches.append("\(name): \(problem)") }
                XCTAssertEqual(scan.input, want.pixels.map { Float($0) / 255 }, name)
            } catch {
                mismatches.append("\(name): \(error)")
            }
        }
        XCTAssertEqual(names.count, 70)
        XCTAssert(mismatches.isEmpty, mismatches.joined(separator: "\n"))
    }
}
