import COpenBLAS
import Foundation

/// A measurement tool, not a precision mode. While `isOn`, every matrix product through `BLAS`
/// rounds both operands to bfloat16 (round to nearest, ties to even) and accumulates in float32 —
/// what `cblas_sbgemm` and AVX512-BF16's `vdpbf16ps` compute, up to summation order (a bfloat16
/// product is exact in float32). Rounding the weight operand on each call equals converting the
/// weights once at load. `sigverify benchmark precision` turns it on to measure how verdicts would
/// change under bf16 inference; nothing in production does, and it is slower than float32.
public enum BF16Emulation {
    /// Read by `BLAS.sgemm`/`sgemv` on every call. Switch it only while no product is running.
    nonisolated(unsafe) public static var isOn = false

    /// Whether the loaded OpenBLAS exports `cblas_sbgemm` (a build with BUILD_BFLOAT16; Debian's
    /// 0.3.21 declares it in cblas.h but does not export it).
    public static var libraryHasSBGEMM: Bool {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "cblas_sbgemm") != nil  // RTLD_DEFAULT
    }

    /// `x` rounded to the nearest bfloat16 (ties to even), as a float32. NaN and ±∞ stay as they are;
    /// a finite value beyond bfloat16's range rounds to ±∞, as the hardware conversion does.
    public static func rounded(_ x: Float) -> Float {
        guard x.isFinite else { return x }
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    /// `BLAS.sgemm` on bfloat16-rounded copies of op(A) and op(B); C (the accumulator) stays float32.
    @usableFromInline
    static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let (rowsA, colsA) = transposeA ? (k, m) : (m, k)
        let (rowsB, colsB) = transposeB ? (n, k) : (k, n)
        let a16 = roundedCopy(a, rows: rowsA, cols: colsA, ld: lda)
        let b16 = roundedCopy(b, rows: rowsB, cols: colsB, ld: ldb)
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a16, Int32(colsA), b16, Int32(colsB), beta, c, Int32(ldc))
    }

    /// `BLAS.sgemv` on bfloat16-rounded copies of A and x; y stays float32.
    @usableFromInline
    static func sgemv(transposeA: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        let a16 = roundedCopy(a, rows: m, cols: n, ld: lda)
        let x16 = roundedCopy(x, rows: 1, cols: transposeA ? m : n, ld: 0)
        cblas_sgemv(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a16, Int32(n),
                    x16, 1, beta, y, 1)
    }

    /// The rows×cols matrix at `p` (row stride `ld`), rounded and packed (row stride `cols`).
    static func roundedCopy(_ p: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * cols) { out, initialized in
            for r in 0..<rows {
                for col in 0..<cols { out[r * cols + col] = rounded(p[r * ld + col]) }
            }
            initialized = rows * cols
        }
    }
}
