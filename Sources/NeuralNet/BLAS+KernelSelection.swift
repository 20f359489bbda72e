import Foundation

extension BLAS {
    /// Read by OpenBLAS once, in its library constructor, before `main`.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set together with `OPENBLAS_CORETYPE` when the sigverify executable re-executed itself
    /// (`KernelSelection.Marker`); its presence stops any further re-execution.
    public static let selectionMarkerVariable = "SIGVERIFY_BLAS_SELECTION"
    /// Test seam: when `OPENBLAS_CORETYPE` is unset, decide as if OpenBLAS had picked this family
    /// itself (e.g. "Prescott"), so the re-execution path runs on CPUs OpenBLAS already recognises.
    public static let assumedPickVariable = "SIGVERIFY_ASSUME_OPENBLAS_PICK"

    /// The kernels this process runs and why, decided once. Never re-executes: in processes other
    /// than the sigverify executable (the test runner) a better family is reported as not applied.
    public static let kernelSelection: KernelSelection = {
        switch KernelSelection.plan(for: currentSituation(honouringAssumedPick: false), mayReexec: false) {
        case .run(let selection): return selection
        case .reexec: preconditionFailure("plan(mayReexec: false) never re-executes")
        }
    }()

    /// "Cooperlake kernels (OpenBLAS's own pick, …), 2 threads" — the start-up line after "OpenBLAS ".
    public static var kernelReport: String { "\(kernelSelection), \(CoreShare.current) threads" }

    /// For executables, first thing in `main` (before any BLAS call, before threads): when
    /// `OPENBLAS_CORETYPE` is unset and the CPU's features allow a better family than OpenBLAS picked,
    /// sets it (and the marker) and re-executes `/proc/self/exe` with the same arguments — same pid,
    /// open descriptors and signal dispositions. Returns when the process keeps its kernels; if the
    /// exec itself fails, after a line on standard error.
    public static func reexecWithBestKernelsIfNeeded() {
        #if os(Linux)
        let situation = currentSituation(honouringAssumedPick: true)
        guard case .reexec(let core, let marker) = KernelSelection.plan(for: situation, mayReexec: true) else { return }
        setenv(coreTypeVariable, core.name, 1)
        setenv(selectionMarkerVariable, marker, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let failure = String(cString: strerror(errno))
        unsetenv(coreTypeVariable)
        unsetenv(selectionMarkerVariable)
        FileHandle.standardError.write(Data(
            "sigverify: cannot restart with OpenBLAS \(core) kernels (execv /proc/self/exe: \(failure)); keeping \(coreName)\n".utf8))
        #endif
    }

    /// This process's environment, CPU and loaded kernels (the family `assumedPickVariable` names
    /// instead, when honoured and nothing is set).
    private static func currentSituation(honouringAssumedPick: Bool) -> KernelSelection.Situation {
        let environment = ProcessInfo.processInfo.environment
        let setting = environment[coreTypeVariable].flatMap { $0.isEmpty ? nil : $0 }
        let marker = environment[selectionMarkerVariable]
        var running = BLASCore(name: coreName)
        if honouringAssumedPick, setting == nil, marker == nil, let assumed = environment[assumedPickVariable], !assumed.isEmpty {
            running = BLASCore(name: assumed)
        }
        return KernelSelection.Situation(coreTypeSetting: setting, marker: marker, features: .current, running: running)
    }
}
