/// Which OpenBLAS kernels a process runs and why. OpenBLAS 0.3.21 picks its kernels from the CPU's
/// family/model numbers and falls back to SSE3 (Prescott) ones on CPUs it does not recognise, e.g. VMs
/// reporting a generic model with AVX-512 passed through; the features then tell what is safe.
public struct KernelSelection: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The user's `OPENBLAS_CORETYPE`, always respected.
        case userSetting
        /// Chosen from the CPU's features over OpenBLAS's own lower pick (by re-executing the process).
        case cpuFeatures(evidence: String, openBLASAlone: BLASCore)
        /// OpenBLAS's own pick and at least as good as the features allow; evidence nil when the CPU
        /// has no usable AVX or OpenBLAS runs a family outside the ranking.
        case openBLAS(evidence: String?)
        /// OpenBLAS's own pick although the features allow `better`: this process did not switch
        /// (only the sigverify executable does, at start-up).
        case notApplied(better: BLASCore, evidence: String)
        /// `requested` was selected from the features, but OpenBLAS runs another family.
        case notLoaded(requested: BLASCore, evidence: String)
    }

    /// The family OpenBLAS runs (`openblas_get_corename()`).
    public let core: BLASCore
    public let reason: Reason

    public init(core: BLASCore, reason: Reason) {
        self.core = core
        self.reason = reason
    }

    /// "SkylakeX kernels (selected from CPU features: AVX-512F/BW/DQ/VL; OpenBLAS alone picked Prescott)".
    public var description: String { "\(core) kernels (\(explanation))" }

    /// Why, in words.
    public var explanation: String {
        switch reason {
        case .userSetting:
            return "set by OPENBLAS_CORETYPE"
        case .cpuFeatures(let evidence, let alone):
            return "selected from CPU features: \(evidence); OpenBLAS alone picked \(alone)"
        case .openBLAS(let evidence?):
            return "OpenBLAS's own pick, the best for CPU features: \(evidence)"
        case .openBLAS(nil):
            return "OpenBLAS's own pick"
        case .notApplied(let better, let evidence):
            return "OpenBLAS's own pick; CPU features (\(evidence)) allow \(better), "
                + "which only the sigverify executable selects at start-up"
        case .notLoaded(let requested, let evidence):
            return "\(requested) was selected from CPU features: \(evidence), but OpenBLAS did not load it"
        }
    }
}
