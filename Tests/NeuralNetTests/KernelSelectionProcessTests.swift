import Foundation
import XCTest
import NeuralNet

/// The shipped `sigverify` binary choosing its kernels: `sigverify info` in a child process whose
/// environment lacks (or sets) `OPENBLAS_CORETYPE`, checked against the kernel's view of the CPU
/// (`/proc/cpuinfo` flags, which Linux clears when it does not save the registers).
final class KernelSelectionProcessTests: XCTestCase {
    func testWithoutCoreTypeTheKernelsMatchTheCPUFlags() throws {
        let flags = try cpuFlags()
        let report = try runInfo(removing: [BLAS.coreTypeVariable, BLAS.selectionMarkerVariable, BLAS.assumedPickVariable])
        XCTAssertFalse(report.why.contains("OPENBLAS_CORETYPE"), report.line)
        let level = try XCTUnwrap(BLASCore(name: report.core).level, "unranked core in \(report.line)")
        try assertLevel(level, fits: flags, report.line)
    }

    func testCoreTypeSettingIsRespected() throws {
        let report = try runInfo(removing: [BLAS.selectionMarkerVariable], setting: [BLAS.coreTypeVariable: "Haswell"])
        XCTAssertEqual(report.core, "Haswell", report.line)
        XCTAssertEqual(report.why, "set by OPENBLAS_CORETYPE", report.line)
    }

    /// The re-execution itself, on a CPU OpenBLAS already recognises: told that OpenBLAS picked
    /// Prescott, the binary must restart once (OpenBLAS initialises exactly twice) with the best core.
    func testReexecutionSelectsFromFeaturesOnce() throws {
        let flags = try cpuFlags()
        guard flags.contains("avx") else { throw XCTSkip("no AVX: nothing better than Prescott to select") }
        let report = try runInfo(removing: [BLAS.coreTypeVariable, BLAS.selectionMarkerVariable],
                                 setting: [BLAS.assumedPickVariable: "Prescott", "OPENBLAS_VERBOSE": "2"])
        XCTAssertTrue(report.why.hasPrefix("selected from CPU features: "), report.line)
        XCTAssertTrue(report.why.hasSuffix("; OpenBLAS alone picked Prescott"), report.line)
        let level = try XCTUnwrap(BLASCore(name: report.core).level, "unranked core in \(report.line)")
        try assertLevel(level, fits: flags, report.line)
        let initialisations = report.stderr.split(separator: "\n").filter { $0.hasPrefix("Core: ") }
        XCTAssertEqual(initialisations.count, 2, "OpenBLAS start-ups (one re-exec, no loop): \(report.stderr)")
    }

    /// The CPUID/XGETBV shim against the kernel's own reading of the same registers.
    func testShimAgreesWithProcCPUInfo() throws {
        let flags = try cpuFlags()
        let cpu = CPUFeatures.current
        XCTAssertEqual(cpu.canRunAVX, flags.contains("avx"))
        XCTAssertEqual(cpu.canRunAVX2, flags.isSuperset(of: ["avx2", "fma"]))
        XCTAssertEqual(cpu.canRunAVX512, flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]))
        XCTAssertEqual(cpu.canRunAVX512BF16, cpu.canRunAVX512 && flags.contains("avx512_bf16"))
        XCTAssertFalse(cpu.vendor.isEmpty)
    }

    // MARK: - Helpers

    /// The best level the flags allow must be the level reported: AVX-512 BF16 → Cooperlake,
    /// AVX-512F/BW/DQ/VL → an AVX-512 core, AVX2+FMA → at least Haswell; and never above the flags.
    private func assertLevel(_ level: BLASCore.Level, fits flags: Set<String>, _ line: String) throws {
        let avx512 = flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"])
        if avx512 && flags.contains("avx512_bf16") {
            XCTAssertGreaterThanOrEqual(level, .avx512BF16, line)
        } else if avx512 {
            XCTAssertGreaterThanOrEqual(level, .avx512, line)
            XCTAssertLessThan(level, .avx512BF16, line)
        } else if flags.isSuperset(of: ["avx2", "fma"]) {
            XCTAssertEqual(level, .avx2, line)
        } else {
            XCTAssertLessThan(level, .avx2, line)
        }
    }

    private func cpuFlags() throws -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else {
            throw XCTSkip("no x86 flags in /proc/cpuinfo")
        }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    private struct InfoReport {
        let line: String, core: String, why: String, stderr: String
    }

    /// Runs `sigverify info` with `removing` taken out of this process's environment and `setting`
    /// added, and splits its "OpenBLAS   <core> kernels (<why>), N threads" line.
    private func runInfo(removing: [String], setting: [String: String] = [:]) throws -> InfoReport {
        let process = Process()
        process.executableURL = try sigverifyURL()
        process.arguments = ["info"]
        var environment = ProcessInfo.processInfo.environment
        for name in removing { environment.removeValue(forKey: name) }
        environment.merge(setting) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, stderr)

        let line = try XCTUnwrap(stdout.split(separator: "\n").first { $0.hasPrefix("OpenBLAS") }.map(String.init),
                                 "no OpenBLAS line in: \(stdout)")
        let pattern = /OpenBLAS\s+(\S+) kernels \((.*)\), \d+ threads/
        let match = try XCTUnwrap(line.wholeMatch(of: pattern), "unexpected line: \(line)")
        return InfoReport(line: line, core: String(match.1), why: String(match.2), stderr: stderr)
    }

    /// `swift build` and `swift test` build every product next to the test bundle.
    private func sigverifyURL() throws -> URL {
        let bundleDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let url = bundleDirectory.appendingPathComponent("sigverify")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            XCTFail("sigverify not built next to the tests (\(url.path)); `swift test` builds it")
            throw CocoaError(.fileNoSuchFile)
        }
        return url
    }
}
