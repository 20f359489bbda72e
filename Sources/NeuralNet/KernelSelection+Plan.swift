extension KernelSelection {
    /// What a process knows at start-up, read from its environment, its CPU and OpenBLAS.
    public struct Situation: Sendable, Equatable {
        /// `OPENBLAS_CORETYPE` (nil when unset or empty).
        public var coreTypeSetting: String?
        /// `SIGVERIFY_BLAS_SELECTION` (see `Marker`): set when this process was re-executed.
        public var marker: String?
        public var features: CPUFeatures
        /// The family OpenBLAS runs.
        public var running: BLASCore

        public init(coreTypeSetting: String?, marker: String?, features: CPUFeatures, running: BLASCore) {
            self.coreTypeSetting = coreTypeSetting
            self.marker = marker
            self.features = features
            self.running = running
        }
    }

    /// What an executable does before its first BLAS call.
    public enum Plan: Sendable, Equatable {
        /// Keep the loaded kernels.
        case run(KernelSelection)
        /// Re-execute with `OPENBLAS_CORETYPE = core.name` and `SIGVERIFY_BLAS_SELECTION = marker`.
        case reexec(core: BLASCore, marker: String)
    }

    /// The re-execution marker, "<selected>:<OpenBLAS's own pick>" (e.g. "SkylakeX:Prescott"). It tells
    /// the restarted process why its `OPENBLAS_CORETYPE` is set, and that it must not restart again.
    public struct Marker: Sendable, Equatable {
        public let selected: BLASCore
        public let openBLASAlone: BLASCore

        public init(selected: BLASCore, openBLASAlone: BLASCore) {
            self.selected = selected
            self.openBLASAlone = openBLASAlone
        }

        public init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            self.init(selected: BLASCore(name: String(parts[0])), openBLASAlone: BLASCore(name: String(parts[1])))
        }

        public var text: String { "\(selected.name):\(openBLASAlone.name)" }
    }

    /// Decides, never below what OpenBLAS picked by itself: a user's `OPENBLAS_CORETYPE` stands; a
    /// re-executed process (marker present) reports and never re-executes again, whatever OpenBLAS
    /// loaded; otherwise the features' best family replaces a lower-ranked pick when `mayReexec`.
    public static func plan(for situation: Situation, mayReexec: Bool) -> Plan {
        if let text = situation.marker {
            return .run(afterReexec(situation, marker: Marker(text)))
        }
        if situation.coreTypeSetting != nil {
            return .run(KernelSelection(core: situation.running, reason: .userSetting))
        }
        return firstStart(situation, mayReexec: mayReexec)
    }

    /// A re-executed process: our selection if `OPENBLAS_CORETYPE` still carries it, else the user's.
    private static func afterReexec(_ situation: Situation, marker: Marker?) -> KernelSelection {
        let running = situation.running
        guard let marker, let setting = situation.coreTypeSetting,
              marker.selected.isSameFamily(as: BLASCore(name: setting)) else {
            if situation.coreTypeSetting != nil { return KernelSelection(core: running, reason: .userSetting) }
            return KernelSelection(core: running, reason: .openBLAS(evidence: nil))
        }
        let evidence = marker.selected.level?.requiredFeatures ?? marker.selected.name
        guard running.isSameFamily(as: marker.selected) else {
            return KernelSelection(core: running, reason: .notLoaded(requested: marker.selected, evidence: evidence))
        }
        return KernelSelection(core: running, reason: .cpuFeatures(evidence: evidence, openBLASAlone: marker.openBLASAlone))
    }

    /// No setting, no marker: OpenBLAS chose by itself.
    private static func firstStart(_ situation: Situation, mayReexec: Bool) -> Plan {
        let running = situation.running
        guard let best = situation.features.bestBLASCore, let bestLevel = best.level, let runningLevel = running.level else {
            return .run(KernelSelection(core: running, reason: .openBLAS(evidence: nil)))
        }
        let evidence = bestLevel.requiredFeatures
        if runningLevel >= bestLevel {
            return .run(KernelSelection(core: running, reason: .openBLAS(evidence: evidence)))
        }
        guard mayReexec else {
            return .run(KernelSelection(core: running, reason: .notApplied(better: best, evidence: evidence)))
        }
        return .reexec(core: best, marker: Marker(selected: best, openBLASAlone: running).text)
    }
}
