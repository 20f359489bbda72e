import CImageShims

/// `dst[i] = table[src[i]]`: histogram equalisation's last step. With AVX-512 VBMI (Ice Lake, Zen 4
/// and later) 64 pixels take four instructions instead of 64 dependent loads (`lookup.c`); a table
/// lookup has one answer, so every path gives the same bytes.
public enum ByteLookup {
    /// Maps `count` bytes from `src` through the 256-entry `table` into `dst` (which may be `src`).
    @inline(__always)
    public static func apply(_ table: UnsafePointer<UInt8>, from src: UnsafePointer<UInt8>,
                             to dst: UnsafeMutablePointer<UInt8>, count: Int) {
        sv_lookup_bytes(src, dst, count, table)
    }

    /// The portable loop `apply` falls back to (for tests that compare the two).
    public static func applyScalar(_ table: UnsafePointer<UInt8>, from src: UnsafePointer<UInt8>,
                                   to dst: UnsafeMutablePointer<UInt8>, count: Int) {
        sv_lookup_bytes_scalar(src, dst, count, table)
    }

    /// Whether `apply` runs the AVX-512 VBMI path on this CPU.
    public static var usesVBMI: Bool { sv_lookup_bytes_has_vbmi() == 1 }
}
