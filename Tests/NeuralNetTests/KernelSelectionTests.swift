import Foundation
import XCTest
import NeuralNet

/// Hand-written feature sets of real CPU kinds (and of the traps: AVX-512 the OS does not save).
private enum Feature {
    static let avx512Usable: CPUFeatures.RegisterState = [.ymm, .zmm]
    static let intel = "GenuineIntel", amd = "AuthenticAMD"

    static let cooperLake = CPUFeatures(vendor: intel, extensions: [.avx, .fma, .avx2, .avx512Skylake, .avx512BF16],
                                        osSavedState: avx512Usable)
    static let skylakeX = CPUFeatures(vendor: intel, extensions: [.avx, .fma, .avx2, .avx512Skylake], osSavedState: avx512Usable)
    static let zen3 = CPUFeatures(vendor: amd, extensions: [.avx, .fma, .avx2], osSavedState: [.ymm])
    static let haswell = CPUFeatures(vendor: intel, extensions: [.avx, .fma, .avx2], osSavedState: [.ymm])
    static let sandyBridge = CPUFeatures(vendor: intel, extensions: [.avx], osSavedState: [.ymm])
    static let sseOnly = CPUFeatures(vendor: intel, extensions: [], osSavedState: [])
    /// A Skylake-X whose kernel (or hypervisor) does not enable opmask/ZMM state in XCR0.
    static let skylakeXWithoutZMMState = CPUFeatures(vendor: intel, extensions: skylakeX.extensions, osSavedState: [.ymm])
    /// AVX2 hardware under an OS that saves no YMM state: AVX itself would fault.
    static let haswellWithoutYMMState = CPUFeatures(vendor: intel, extensions: haswell.extensions, osSavedState: [])
}

final class CPUFeatureMappingTests: XCTestCase {
    func testAVX512BF16MapsToCooperlake() {
        XCTAssertEqual(Feature.cooperLake.bestBLASCore, .cooperlake)
    }

    func testAVX512MapsToSkylakeX() {
        XCTAssertEqual(Feature.skylakeX.bestBLASCore, .skylakeX)
    }

    func testAVX2OnAMDMapsToZenAsOpenBLASDoes() {
        XCTAssertEqual(Feature.zen3.bestBLASCore, .zen)
        XCTAssertEqual(Feature.haswell.bestBLASCore, .haswell)
    }

    func testAVXOnlyMapsToSandybridge() {
        XCTAssertEqual(Feature.sandyBridge.bestBLASCore, .sandybridge)
    }

    func testSSEOnlyLeavesOpenBLASAlone() {
        XCTAssertNil(Feature.sseOnly.bestBLASCore)
    }

    func testAVX512WithoutOSZMMStateNeverPicksAVX512() {
        XCTAssertEqual(Feature.skylakeXWithoutZMMState.bestBLASCore, .haswell)
        var bf16 = Feature.cooperLake
        bf16.osSavedState = [.ymm]
        XCTAssertEqual(bf16.bestBLASCore, .haswell)
        XCTAssertNil(Feature.haswellWithoutYMMState.bestBLASCore)
    }

    func testIncompleteAVX512SubsetsStayAtAVX2() {
        for missing: CPUFeatures.Extensions in [.avx512BW, .avx512DQ, .avx512VL, .avx512CD] {
            var cpu = Feature.skylakeX
            cpu.extensions.remove(missing)
            XCTAssertEqual(cpu.bestBLASCore, .haswell, "without \(missing)")
        }
        var bf16WithoutAVX512 = Feature.haswell
        bf16WithoutAVX512.extensions.insert(.avx512BF16)
        XCTAssertEqual(bf16WithoutAVX512.bestBLASCore, .haswell)
    }

    func testAVX2WithoutFMAIsOnlyAVX() {
        var cpu = Feature.haswell
        cpu.extensions.remove(.fma)
        XCTAssertEqual(cpu.bestBLASCore, .sandybridge)
    }

    func testRegisterDecoding() {
        // A Cooper Lake register dump: CPUID.1:ECX FMA|OSXSAVE|AVX, CPUID.(7,0):EBX AVX2|F|DQ|CD|BW|VL,
        // CPUID.(7,1):EAX BF16, XCR0 x87|SSE|AVX|opmask|ZMM_Hi256|Hi16_ZMM.
        let leaf1: UInt32 = 1 << 12 | 1 << 27 | 1 << 28
        let leaf7: UInt32 = 1 << 5 | 1 << 16 | 1 << 17 | 1 << 28 | 1 << 30 | 1 << 31
        let decoded = CPUFeatures(vendor: "GenuineIntel", leaf1ECX: leaf1, leaf7EBX: leaf7, leaf7Sub1EAX: 1 << 5, xcr0: 0xE7)
        XCTAssertEqual(decoded, Feature.cooperLake)

        let noZMM = CPUFeatures(vendor: "GenuineIntel", leaf1ECX: leaf1, leaf7EBX: leaf7, leaf7Sub1EAX: 1 << 5, xcr0: 0x07)
        XCTAssertEqual(noZMM.osSavedState, [.ymm])
        XCTAssertEqual(noZMM.bestBLASCore, .haswell)
        let partialZMM = CPUFeatures(vendor: "GenuineIntel", leaf1ECX: leaf1, leaf7EBX: leaf7, leaf7Sub1EAX: 0, xcr0: 0x67)
        XCTAssertEqual(partialZMM.osSavedState, [.ymm], "all three AVX-512 state components are needed")
    }

    func testCoreNamesRankCaseInsensitively() {
        XCTAssertEqual(BLASCore(name: "prescott").level, .sse)
        XCTAssertEqual(BLASCore(name: "HASWELL").level, .avx2)
        XCTAssertEqual(BLASCore(name: "Zen").level, BLASCore.haswell.level)
        XCTAssertEqual(BLASCore(name: "skylakex").level, .avx512)
        XCTAssertEqual(BLASCore(name: "cooperlake").level, .avx512BF16)
        XCTAssertNil(BLASCore(name: "Unknown").level)
        XCTAssertLessThan(BLASCore.Level.avx2, .avx512)
    }
}

final class KernelSelectionPlanTests: XCTestCase {
    private func plan(_ features: CPUFeatures, running: String, setting: String? = nil, marker: String? = nil,
                      mayReexec: Bool = true) -> KernelSelection.Plan {
        KernelSelection.plan(for: .init(coreTypeSetting: setting, marker: marker, features: features,
                                        running: BLASCore(name: running)), mayReexec: mayReexec)
    }

    func testPrescottOnAVX512ReexecutesWithSkylakeX() {
        XCTAssertEqual(plan(Feature.skylakeX, running: "Prescott"), .reexec(core: .skylakeX, marker: "SkylakeX:Prescott"))
        XCTAssertEqual(plan(Feature.cooperLake, running: "Prescott"), .reexec(core: .cooperlake, marker: "Cooperlake:Prescott"))
        XCTAssertEqual(plan(Feature.sandyBridge, running: "Nehalem"), .reexec(core: .sandybridge, marker: "Sandybridge:Nehalem"))
    }

    func testOpenBLASAlreadyPickedBetterIsKept() {
        XCTAssertEqual(plan(Feature.skylakeX, running: "Cooperlake"),
                       .run(KernelSelection(core: .cooperlake, reason: .openBLAS(evidence: "AVX-512F/BW/DQ/VL"))))
        XCTAssertEqual(plan(Feature.skylakeX, running: "SkylakeX"),
                       .run(KernelSelection(core: .skylakeX, reason: .openBLAS(evidence: "AVX-512F/BW/DQ/VL"))))
        // Same level is not an upgrade: Zen and Haswell are both AVX2 families.
        XCTAssertEqual(plan(Feature.haswell, running: "zen"),
                       .run(KernelSelection(core: BLASCore(name: "zen"), reason: .openBLAS(evidence: "AVX2+FMA"))))
        XCTAssertEqual(plan(Feature.zen3, running: "Haswell"),
                       .run(KernelSelection(core: .haswell, reason: .openBLAS(evidence: "AVX2+FMA"))))
    }

    func testNoAVXOrUnknownFamilyLeavesOpenBLASAlone() {
        XCTAssertEqual(plan(Feature.sseOnly, running: "Prescott"),
                       .run(KernelSelection(core: BLASCore(name: "Prescott"), reason: .openBLAS(evidence: nil))))
        XCTAssertEqual(plan(Feature.skylakeX, running: "Unknown"),
                       .run(KernelSelection(core: BLASCore(name: "Unknown"), reason: .openBLAS(evidence: nil))))
        XCTAssertEqual(plan(Feature.skylakeXWithoutZMMState, running: "Haswell"),
                       .run(KernelSelection(core: .haswell, reason: .openBLAS(evidence: "AVX2+FMA"))))
    }

    func testUserSettingIsAlwaysRespected() {
        XCTAssertEqual(plan(Feature.cooperLake, running: "Prescott", setting: "Prescott"),
                       .run(KernelSelection(core: BLASCore(name: "Prescott"), reason: .userSetting)))
        XCTAssertEqual(plan(Feature.cooperLake, running: "Haswell", setting: "Haswell"),
                       .run(KernelSelection(core: .haswell, reason: .userSetting)))
    }

    func testReexecutedProcessReportsTheSelection() {
        XCTAssertEqual(plan(Feature.skylakeX, running: "SkylakeX", setting: "SkylakeX", marker: "SkylakeX:Prescott"),
                       .run(KernelSelection(core: .skylakeX,
                                            reason: .cpuFeatures(evidence: "AVX-512F/BW/DQ/VL", openBLASAlone: BLASCore(name: "Prescott")))))
    }

    func testReexecutedProcessNeverReexecutesAgain() {
        // OpenBLAS loaded something else than asked for: report it, do not loop.
        XCTAssertEqual(plan(Feature.skylakeX, running: "Prescott", setting: "SkylakeX", marker: "SkylakeX:Prescott"),
                       .run(KernelSelection(core: BLASCore(name: "Prescott"),
                                            reason: .notLoaded(requested: .skylakeX, evidence: "AVX-512F/BW/DQ/VL"))))
        // The variable got lost on the way, or the marker is garbage: still no second exec.
        XCTAssertEqual(plan(Feature.skylakeX, running: "Prescott", marker: "SkylakeX:Prescott"),
                       .run(KernelSelection(core: BLASCore(name: "Prescott"), reason: .openBLAS(evidence: nil))))
        XCTAssertEqual(plan(Feature.skylakeX, running: "Prescott", marker: "garbage"),
                       .run(KernelSelection(core: BLASCore(name: "Prescott"), reason: .openBLAS(evidence: nil))))
    }

    func testInheritedMarkerWithAChangedSettingIsTheUsers() {
        XCTAssertEqual(plan(Feature.skylakeX, running: "Haswell", setting: "Haswell", marker: "SkylakeX:Prescott"),
                       .run(KernelSelection(core: .haswell, reason: .userSetting)))
    }

    func testWithoutReexecABetterFamilyIsReportedAsNotApplied() {
        XCTAssertEqual(plan(Feature.skylakeX, running: "Prescott", mayReexec: false),
                       .run(KernelSelection(core: BLASCore(name: "Prescott"),
                                            reason: .notApplied(better: .skylakeX, evidence: "AVX-512F/BW/DQ/VL"))))
    }

    func testReportWording() {
        let selected = KernelSelection(core: .skylakeX,
                                       reason: .cpuFeatures(evidence: "AVX-512F/BW/DQ/VL", openBLASAlone: BLASCore(name: "Prescott")))
        XCTAssertEqual(selected.description,
                       "SkylakeX kernels (selected from CPU features: AVX-512F/BW/DQ/VL; OpenBLAS alone picked Prescott)")
        XCTAssertEqual(KernelSelection(core: .haswell, reason: .userSetting).description, "Haswell kernels (set by OPENBLAS_CORETYPE)")
    }
}

final class KernelSelectionInProcessTests: XCTestCase {
    /// The test runner never re-executes: it reports what OpenBLAS loaded, and the user's setting as such.
    func testReportsTheLoadedCoreAndTheSetting() {
        let selection = BLAS.kernelSelection
        XCTAssertTrue(selection.core.isSameFamily(as: BLASCore(name: BLAS.coreName)), "\(selection)")
        if let setting = ProcessInfo.processInfo.environment[BLAS.coreTypeVariable], !setting.isEmpty {
            XCTAssertEqual(selection.reason, .userSetting)
        } else if case .userSetting = selection.reason {
            XCTFail("no OPENBLAS_CORETYPE, yet reported as set by it: \(selection)")
        }
        XCTAssertTrue(BLAS.kernelReport.hasPrefix("\(selection.core) kernels ("), BLAS.kernelReport)
    }
}
