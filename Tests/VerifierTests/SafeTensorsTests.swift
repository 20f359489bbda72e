import Foundation
import XCTest
import NeuralNet
import Verifier
import TestSupport

final class SafeTensorsTests: XCTestCase {
    private func tempURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sigverify-st-\(UUID().uuidString)-\(name)")
    }

    func testRoundTripPreservesNamesShapesAndValues() throws {
        let tensors: [String: Tensor] = [
            "b/kernel": Tensor(shape: [2, 3], storage: [1, -2, 3.5, .pi, 0, -0.0]),
            "a/bias": Tensor(shape: [1], storage: [42]),
            "empty": Tensor(shape: [0], storage: []),
        ]
        let url = tempURL("rt.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(tensors, to: url)
        let back = try SafeTensors.read(contentsOf: url)
        XCTAssertEqual(back, tensors)
        // Header is 8-byte aligned, as the reference writer does.
        let data = try Data(contentsOf: url)
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(n % 8, 0)
    }

    func testReadsTinyFixtureWithDTypes() throws {
        let raw = try SafeTensors.readRaw(contentsOf: FixturePaths.local("model_tiny/reference_outputs.safetensors"))
        XCTAssertEqual(raw["anomaly_score"]?.dtype, .f64)
        XCTAssertEqual(raw["is_valid"]?.dtype, .u8)
        XCTAssertEqual(raw["x"]?.shape, [12, 32, 32, 1])
        let valid = raw["is_valid"]!.doubles()
        XCTAssertTrue(valid.allSatisfy { $0 == 0 || $0 == 1 })
        let scores = raw["anomaly_score"]!.doubles()
        XCTAssertTrue(scores.allSatisfy { $0 < 0 && $0 >= -1 })
        let ae = try SafeTensors.read(contentsOf: FixturePaths.local("model_tiny/autoencoder.safetensors"))
        XCTAssertEqual(ae["enc_conv2/kernel"]?.shape, [3, 3, 32, 64])
    }

    func testRejectsOverflowingShape() throws {
        let header = #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(contentsOf: [UInt8](repeating: 0, count: 16))
        let url = tempURL("overflow.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: url)) { e in
            guard case BundleError.malformedHeader = e else { return XCTFail("\(e)") }
        }
    }

    func testRejectsMissingTruncatedAndMalformedFiles() throws {
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: tempURL("nope"))) { e in
            guard case BundleError.missingFile = e else { return XCTFail("\(e)") }
        }
        let good = tempURL("good.safetensors")
        defer { try? FileManager.default.removeItem(at: good) }
        try SafeTensors.write(["w": Tensor(shape: [4], storage: [1, 2, 3, 4])], to: good)
        let bytes = try Data(contentsOf: good)

        let short = tempURL("short.safetensors")
        defer { try? FileManager.default.removeItem(at: short) }
        try bytes.prefix(bytes.count - 3).write(to: short)
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: short)) { e in
            XCTAssertEqual(e as? BundleError, .truncatedData("w"))
        }

        let garbage = tempURL("garbage.safetensors")
        defer { try? FileManager.default.removeItem(at: garbage) }
        var g = bytes
        g[9] = UInt8(ascii: "#")
        try g.write(to: garbage)
        XCTAssertThrowsError(try SafeTensors.read(contentsOf: garbage)) { e in
            guard case BundleError.malformedHeader = e else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("malformed header"))
        }
    }
}
