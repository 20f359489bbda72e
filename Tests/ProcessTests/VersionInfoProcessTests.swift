import DatabaseTestSupport
import Foundation
import TestSupport
import XCTest

/// `sigverify --version` and `sigverify info`, run as the shipped binary.
final class VersionInfoProcessTests: XCTestCase {
    private let tinyVersion = "068bf79a559bf9ea"

    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32?, stdout: String, stderr: String) {
        let process = try SpawnedProcess("sigverify", arguments, environment: environment)
        let status = process.waitForExit(timeout: 60)
        return (status, process.stdout, process.stderr)
    }

    /// The value after `name` on the line of `info` output that starts with it.
    private func field(_ name: String, in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .map { $0.dropFirst(name.count).trimmingCharacters(in: .whitespaces) }
    }

    func testVersionPrintsADottedVersionAndExitsZero() throws {
        let result = try run(["--version"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotNil(version.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+/), "not a version: \(result.stdout)")
    }

    func testInfoPrintsTheVersionTheModelAndEveryLibrary() throws {
        let version = try run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let model = FixturePaths.local("model_tiny").path
        let info = try run(["info"], environment: ["SIGVERIFY_MODEL_DIR": model])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertEqual(field("sigverify", in: info.stdout), version, info.stdout)
        XCTAssertTrue(field("model", in: info.stdout)?.hasPrefix("\(model)  version \(tinyVersion)") == true, info.stdout)
        for library in ["libpq", "libpng", "libdeflate", "libjpeg", "libtiff"] {
            let value = try XCTUnwrap(field(library, in: info.stdout), "no \(library) line in\n\(info.stdout)")
            XCTAssertNotNil(value.firstMatch(of: /[0-9]+\.[0-9]+/), "\(library): \(value)")
        }
        XCTAssertTrue(field("OpenBLAS", in: info.stdout)?.contains("threads") == true, info.stdout)
        XCTAssertTrue(info.stdout.contains("OpenBLAS 0.") || info.stdout.contains("OpenBLAS 1."), "no openblas_get_config line:\n\(info.stdout)")
    }

    func testInfoReportsADamagedDefaultModelAndStillSucceeds() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("sv-empty-model-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: empty) }
        let info = try run(["info"], environment: ["SIGVERIFY_MODEL_DIR": empty.path])
        XCTAssertEqual(info.status, 0, info.stderr)
        let model = try XCTUnwrap(field("model", in: info.stdout), info.stdout)
        XCTAssertTrue(model.contains("cannot be loaded") && model.contains("parameters.json"), model)
        XCTAssertNotNil(field("libtiff", in: info.stdout), info.stdout)
    }
}
