import CCPUFeatures

/// What the CPU can execute and which register state the OS saves across context switches: the
/// facts that decide which OpenBLAS kernels are safe to run. Never the CPU's name or model number —
/// cloud VMs report generic ones.
public struct CPUFeatures: Sendable, Equatable {
    /// Instruction-set extensions the CPU reports through CPUID.
    public struct Extensions: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let fma = Extensions(rawValue: 1 << 0)
        public static let avx = Extensions(rawValue: 1 << 1)
        public static let avx2 = Extensions(rawValue: 1 << 2)
        public static let avx512F = Extensions(rawValue: 1 << 3)
        public static let avx512DQ = Extensions(rawValue: 1 << 4)
        public static let avx512CD = Extensions(rawValue: 1 << 5)
        public static let avx512BW = Extensions(rawValue: 1 << 6)
        public static let avx512VL = Extensions(rawValue: 1 << 7)
        public static let avx512BF16 = Extensions(rawValue: 1 << 8)

        /// AVX-512 as OpenBLAS's SkylakeX kernels are compiled for it (`-march=skylake-avx512`).
        public static let avx512Skylake: Extensions = [.avx512F, .avx512DQ, .avx512CD, .avx512BW, .avx512VL]
    }

    /// Register files the OS saves and restores (XCR0). Without them the wide instructions fault,
    /// or worse, lose register contents on a context switch.
    public struct RegisterState: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// XMM and YMM (XCR0 bits 1–2): AVX, AVX2 and FMA are usable.
        public static let ymm = RegisterState(rawValue: 1 << 0)
        /// Opmask, ZMM_Hi256 and Hi16_ZMM (XCR0 bits 5–7): AVX-512 is usable.
        public static let zmm = RegisterState(rawValue: 1 << 1)
    }

    /// CPUID leaf 0's vendor string ("GenuineIntel", "AuthenticAMD", "HygonGenuine"); empty off x86-64.
    public var vendor: String
    public var extensions: Extensions
    public var osSavedState: RegisterState

    public init(vendor: String, extensions: Extensions, osSavedState: RegisterState) {
        self.vendor = vendor
        self.extensions = extensions
        self.osSavedState = osSavedState
    }

    /// The CPU this process runs on (no extensions, no vendor off x86-64).
    public static let current: CPUFeatures = {
        var registers = sv_cpu_registers()
        sv_cpu_read_registers(&registers)
        let vendor = withUnsafeBytes(of: registers.vendor) { String(decoding: $0.prefix(12), as: UTF8.self) }
        return CPUFeatures(vendor: vendor.filter { $0 != "\0" }, leaf1ECX: registers.leaf1_ecx,
                           leaf7EBX: registers.leaf7_ebx, leaf7Sub1EAX: registers.leaf7_1_eax, xcr0: registers.xcr0)
    }()

    /// AVX with the OS saving YMM state (what OpenBLAS's `support_avx` checks).
    public var canRunAVX: Bool { extensions.contains(.avx) && osSavedState.contains(.ymm) }

    /// AVX2 and FMA, usable.
    public var canRunAVX2: Bool { canRunAVX && extensions.isSuperset(of: [.avx2, .fma]) }

    /// Skylake-X AVX-512, usable: the OS must also save the opmask and ZMM registers.
    public var canRunAVX512: Bool {
        canRunAVX2 && extensions.isSuperset(of: .avx512Skylake) && osSavedState.contains(.zmm)
    }

    /// AVX-512 plus the BF16 dot products of Cooper Lake.
    public var canRunAVX512BF16: Bool { canRunAVX512 && extensions.contains(.avx512BF16) }

    /// True for AMD and Hygon, whose AVX2 CPUs OpenBLAS serves with its Zen kernels.
    public var isAMDCompatible: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }
}
