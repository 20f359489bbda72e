extension CPUFeatures {
    /// Decodes the CPUID/XGETBV words the `CCPUFeatures` shim reads (Intel SDM vol. 2A, CPUID;
    /// vol. 1 §13.3 for XCR0). Public so tests can feed register dumps of other CPUs.
    /// - Parameters:
    ///   - leaf1ECX: CPUID.1:ECX — FMA (bit 12), AVX (bit 28).
    ///   - leaf7EBX: CPUID.(7,0):EBX — AVX2 (5), AVX512F (16), DQ (17), CD (28), BW (30), VL (31).
    ///   - leaf7Sub1EAX: CPUID.(7,1):EAX — AVX512_BF16 (bit 5).
    ///   - xcr0: XGETBV(0), zero when the OS has not set OSXSAVE.
    public init(vendor: String, leaf1ECX: UInt32, leaf7EBX: UInt32, leaf7Sub1EAX: UInt32, xcr0: UInt64) {
        var extensions: Extensions = []
        let bits: [(UInt32, Int, Extensions)] = [
            (leaf1ECX, 12, .fma), (leaf1ECX, 28, .avx),
            (leaf7EBX, 5, .avx2), (leaf7EBX, 16, .avx512F), (leaf7EBX, 17, .avx512DQ),
            (leaf7EBX, 28, .avx512CD), (leaf7EBX, 30, .avx512BW), (leaf7EBX, 31, .avx512VL),
            (leaf7Sub1EAX, 5, .avx512BF16),
        ]
        for (word, bit, flag) in bits where word & (1 << bit) != 0 { extensions.insert(flag) }

        var state: RegisterState = []
        if xcr0 & 0x6 == 0x6 { state.insert(.ymm) }
        if xcr0 & 0xE0 == 0xE0 { state.insert(.zmm) }
        self.init(vendor: vendor, extensions: extensions, osSavedState: state)
    }
}
