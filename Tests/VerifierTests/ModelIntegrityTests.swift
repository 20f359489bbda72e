import Foundation
import TestSupport
import Verifier
import XCTest

/// A damaged or edited bundle is refused at load with a message naming what is wrong — never a
/// crash, a giant allocation, or a model that quietly scores NaN.
final class ModelIntegrityTests: XCTestCase {
    /// `model_tiny`'s version before manifests existed: adding them must not change any version.
    static let tinyVersion = "068bf79a559bf9ea"

    private var folders: [URL] = []

    override func tearDown() {
        for url in folders { try? FileManager.default.removeItem(at: url) }
        super.tearDown()
    }

    private func tinyCopy() throws -> URL {
        let folder = try DamagedBundles.tinyCopy()
        folders.append(folder)
        return folder
    }

    private func assertRefused(_ folder: URL, saying phrases: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ModelBundle.load(from: folder), file: file, line: line) { error in
            for phrase in phrases {
                XCTAssertTrue("\(error)".contains(phrase), "\(error) does not say \(phrase)", file: file, line: line)
            }
        }
    }

    private func editParameters(_ folder: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = folder.appendingPathComponent("parameters.json")
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    func testFourThousandBytesOfFFInTheClassifierAreRefusedAtLoad() throws {
        let folder = try tinyCopy()
        let file = folder.appendingPathComponent("classifier.safetensors")
        let start = try DamagedBundles.tensorRange(file, "cls_dense1/kernel").lowerBound
        try DamagedBundles.overwrite(file, offset: start, count: 4000, with: 0xFF)
        assertRefused(folder, saying: ["classifier.safetensors", "cls_dense1/kernel", "1000 non-finite"])
    }

    func testAHugeInputShapeIsAClearErrorNotACrash() throws {
        let folder = try tinyCopy()
        try editParameters(folder) { $0["input_shape"] = [100_000, 100_000, 1] }
        assertRefused(folder, saying: ["input_shape [100000, 100000, 1]", "at most 1024"])
    }

    func testAHugeLatentSizeIsRefused() throws {
        let folder = try tinyCopy()
        try editParameters(folder) { $0["latent_dim"] = 1 << 40 }
        assertRefused(folder, saying: ["latent_dim", "at most 4096"])
    }

    func testAnInputShapeTheWeightsDoNotFitIsRefusedNamingTheTensor() throws {
        let folder = try tinyCopy()
        try editParameters(folder) { $0["input_shape"] = [1024, 1024, 1] }
        assertRefused(folder, saying: ["latent/kernel", "[1024, 16]", "[1048576, 16]"])
    }

    func testSavingWritesAManifestThatLoadingChecks() throws {
        let saved = try ModelBundle.load(from: FixturePaths.local("model_tiny")).save(to: try tinyCopy())
        let manifestURL = saved.folder.appendingPathComponent("manifest.json")
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        let digests = try XCTUnwrap(manifest["sha256"] as? [String: String], "\(manifest)")
        XCTAssertEqual(Set(digests.keys), Set(DamagedBundles.bundleFiles))
        XCTAssertTrue(digests.values.allSatisfy { $0.count == 64 })
        XCTAssertEqual(try ModelBundle.load(from: saved.folder).version, saved.version)

        // One byte changed in a file the parser would still accept: only the manifest can tell.
        let forest = saved.folder.appendingPathComponent("iforest.json")
        try (Data(contentsOf: forest) + Data(" ".utf8)).write(to: forest)
        assertRefused(saved.folder, saying: ["iforest.json", "does not match", "manifest.json"])
    }

    func testTheManifestIsNotPartOfTheVersionAndOldBundlesStillLoad() throws {
        let old = try ModelBundle.load(from: FixturePaths.local("model_tiny"))
        XCTAssertEqual(old.version, Self.tinyVersion, "a bundle without a manifest keeps its version")
        XCTAssertFalse(old.hasManifest)
        let saved = try old.save(to: try tinyCopy())
        XCTAssertTrue(saved.hasManifest)
        try FileManager.default.removeItem(at: saved.folder.appendingPathComponent("manifest.json"))
        let withoutManifest = try ModelBundle.load(from: saved.folder)
        XCTAssertEqual(withoutManifest.version, saved.version, "the manifest does not enter the version")
        XCTAssertFalse(withoutManifest.hasManifest)
    }
}
