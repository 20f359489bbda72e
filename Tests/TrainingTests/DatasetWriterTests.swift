import Foundation
import Imaging
import Training
import XCTest

final class DatasetWriterTests: XCTestCase {
    private func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "synth-test-" + UUID().uuidString
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testWritesNamedDecodablePNGsDeterministicallyForAnyThreadCount() throws {
        let kinds: [NonSignatureKind] = [.polyline, .circles, .emptyBox]
        let style = SyntheticSignatureStyle(width: 300, height: 150)
        let config = SynthesisConfig(signature: style, realisticWidth: 200, realisticHeight: 100)
        let a = tempDir(), b = tempDir()
        let sa = try SyntheticDatasetWriter.write(SynthesisRequest(validCount: 3, invalidCount: 12, outputDirectory: a, seed: 5,
                                                                   kinds: kinds, augment: true, config: config, threads: 2))
        let sb = try SyntheticDatasetWriter.write(SynthesisRequest(validCount: 3, invalidCount: 12, outputDirectory: b, seed: 5,
                                                                   kinds: kinds, augment: true, config: config, threads: 1))
        XCTAssertEqual(sa.validImages, 3)
        XCTAssertEqual(sa.augmentedImages, 15)
        XCTAssertEqual(sa.invalidImages, 12)
        XCTAssertEqual(sa.invalidByKind, sb.invalidByKind)
        let fm = FileManager.default
        let valid = try fm.contentsOfDirectory(atPath: a + "/valid").sorted()
        XCTAssertEqual(valid.count, 18)
        XCTAssert(valid.contains("bezier_000002_grid12.png"))
        XCTAssert(valid.contains("bezier_000000_combined.png"))
        let invalid = try fm.contentsOfDirectory(atPath: a + "/invalid").sorted()
        XCTAssertEqual(invalid.count, 12)
        for name in invalid {
            XCTAssert(kinds.contains { name.hasPrefix($0.rawValue + "_") }, name)
        }
        XCTAssertEqual(invalid, try fm.contentsOfDirectory(atPath: b + "/invalid").sorted())
        for name in valid {
            XCTAssertEqual(fm.contents(atPath: a + "/valid/" + name), fm.contents(atPath: b + "/valid/" + name), name)
        }
        // The files decode back to the images the library makes for those indices.
        let decoded = try ImageDecoder().decode(contentsOf: a + "/valid/bezier_000001.png")
        let expected = SyntheticDatasetWriter.valid(1, seed: 5, synthesizer: Synthesizer(config: config, fonts: nil), augment: false)
        XCTAssertEqual(expected.0, .bezier)
        XCTAssertEqual(decoded, expected.1[0])
        let kind = SyntheticDatasetWriter.kind(ofInvalid: 7, seed: 5, kinds: kinds)
        XCTAssert(fm.fileExists(atPath: a + "/invalid/\(kind.rawValue)_000007.png"))
    }

    func testSignatureKindsAreMixedAndNamed() throws {
        let dir = tempDir()
        let config = SynthesisConfig(signature: SyntheticSignatureStyle(width: 200, height: 100, background: .mixed))
        let s = try SyntheticDatasetWriter.write(SynthesisRequest(validCount: 24, invalidCount: 0, outputDirectory: dir, seed: 3,
                                                                  signatureKinds: SignatureKind.allCases, config: config))
        XCTAssertEqual(s.validImages, 24)
        XCTAssertEqual(s.validByKind.values.reduce(0, +), 24)
        XCTAssertEqual(Set(s.validByKind.keys), Set(SignatureKind.allCases))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/valid")
        XCTAssertEqual(names.filter { $0.hasPrefix("cursive_") }.count, s.validByKind[.cursive])
        XCTAssertEqual(try SignatureKind.parseList("all"), [.bezier, .cursive, .headline, .blocks, .flourish])
        XCTAssertEqual(try SignatureKind.parseList("latin"), [.bezier, .cursive])
        XCTAssertEqual(try SignatureKind.parseList("latin,blocks"), [.bezier, .cursive, .blocks])
        XCTAssertThrowsError(try SignatureKind.parseList("scribble"))
    }

    func testBadRequestsGiveTypedErrors() {
        XCTAssertThrowsError(try SyntheticDatasetWriter.write(SynthesisRequest(validCount: -1, invalidCount: 0,
                                                                               outputDirectory: tempDir(), seed: 0)))
        XCTAssertThrowsError(try SyntheticDatasetWriter.write(SynthesisRequest(validCount: 0, invalidCount: 2,
                                                                               outputDirectory: tempDir(), seed: 0, kinds: [])))
        // A file where the directory should go.
        let file = tempDir()
        _ = FileManager.default.createFile(atPath: file, contents: Data([1]))
        XCTAssertThrowsError(try SyntheticDatasetWriter.write(SynthesisRequest(validCount: 1, invalidCount: 0,
                                                                               outputDirectory: file, seed: 0))) { e in
            XCTAssert("\(e)".contains("cannot create directory"), "\(e)")
        }
    }
}
