/// An OpenBLAS kernel family, named as `OPENBLAS_CORETYPE` takes it and `openblas_get_corename()`
/// reports it ("Haswell", "SkylakeX"; OpenBLAS compares names case-insensitively, and builds without
/// DYNAMIC_ARCH report them lower-case). Families rank by the instruction set their kernels use.
public struct BLASCore: Sendable, Hashable, CustomStringConvertible {
    /// The instruction-set levels of OpenBLAS's x86-64 kernel families, lowest first.
    public enum Level: Int, Sendable, Comparable {
        case sse, avx, avx2, avx512, avx512BF16, amx

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        /// The CPU features the level's kernels need, for reports ("AVX-512F/BW/DQ/VL").
        public var requiredFeatures: String {
            switch self {
            case .sse: "SSE3"
            case .avx: "AVX"
            case .avx2: "AVX2+FMA"
            case .avx512: "AVX-512F/BW/DQ/VL"
            case .avx512BF16: "AVX-512F/BW/DQ/VL + AVX512-BF16"
            case .amx: "AMX-BF16"
            }
        }
    }

    /// The name as OpenBLAS spells it in its core table.
    public let name: String

    public init(name: String) { self.name = name }

    public static let sandybridge = BLASCore(name: "Sandybridge")
    public static let haswell = BLASCore(name: "Haswell")
    public static let zen = BLASCore(name: "Zen")
    public static let skylakeX = BLASCore(name: "SkylakeX")
    /// OpenBLAS 0.3.21's `force_coretype` does not list this name (its search stops at SkylakeX):
    /// `OPENBLAS_CORETYPE=Cooperlake` falls through to the library's own feature-based fallback,
    /// which picks Cooperlake exactly on the AVX512-BF16 CPUs this engine selects it for.
    public static let cooperlake = BLASCore(name: "Cooperlake")

    /// The level of this family's kernels; nil for a name outside OpenBLAS's x86 table
    /// ("Unknown", a family newer than this list), which selection then leaves alone.
    public var level: Level? { Self.levels[name.lowercased()] }

    /// Same family, ignoring case.
    public func isSameFamily(as other: BLASCore) -> Bool { name.lowercased() == other.name.lowercased() }

    public var description: String { name }

    /// OpenBLAS's x86 `corename[]` table (driver/others/dynamic.c, 0.3.21 and later), by the widest vector
    /// instructions each family's kernels use. Zen runs Haswell-class AVX2 kernels; Bulldozer to
    /// Excavator are AVX-class (FMA4/FMA3 without AVX2).
    private static let levels: [String: Level] = {
        let byLevel: [Level: [String]] = [
            .sse: ["katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
                   "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat"],
            .avx: ["sandybridge", "bulldozer", "piledriver", "steamroller", "excavator"],
            .avx2: ["haswell", "zen"],
            .avx512: ["skylakex"],
            .avx512BF16: ["cooperlake"],
            .amx: ["sapphirerapids"],
        ]
        return Dictionary(uniqueKeysWithValues: byLevel.flatMap { level, names in names.map { ($0, level) } })
    }()
}

extension CPUFeatures {
    /// The best OpenBLAS family these features can run, as OpenBLAS itself would map them for a CPU
    /// it recognises: BF16 AVX-512 → Cooperlake, AVX-512 → SkylakeX, AVX2+FMA → Zen on AMD/Hygon
    /// (what OpenBLAS picks for every AMD AVX2 family it knows) else Haswell, AVX → Sandybridge.
    /// Nil without usable AVX: then OpenBLAS's own choice stands.
    public var bestBLASCore: BLASCore? {
        if canRunAVX512BF16 { return .cooperlake }
        if canRunAVX512 { return .skylakeX }
        if canRunAVX2 { return isAMDCompatible ? .zen : .haswell }
        if canRunAVX { return .sandybridge }
        return nil
    }

}
