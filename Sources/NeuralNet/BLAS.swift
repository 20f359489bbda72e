import COpenBLAS
import Foundation

/// The single doorway to OpenBLAS: every matrix product in the engine goes through here,
/// so thread settings and the row-major convention live in one place. OpenBLAS's own thread pool is
/// held at one thread, set once before the first product and never changed (`CoreShare` explains why);
/// `sgemmSplit`/`sgemvSplit` spread a large product over the caller's cores.
public enum BLAS {
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major.
    @inlinable
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = openBLASThreadsPinned
        if BF16Emulation.isOn {  // measurement only (`sigverify benchmark precision`), never in production
            return BF16Emulation.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y = alpha · op(A) · x + beta · y with A row-major m×n (op(A) = Aᵀ when `transposeA`,
    /// then y has n elements, else m). A single image through a Dense layer is a
    /// matrix-vector product: GEMV streams the weights once without GEMM's packing.
    @inlinable
    public static func sgemv(
        transposeA: Bool = false, m: Int, n: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        _ = openBLASThreadsPinned
        if BF16Emulation.isOn {  // measurement only (`sigverify benchmark precision`), never in production
            return BF16Emulation.sgemv(transposeA: transposeA, m: m, n: n, alpha: alpha, a: a, lda: lda, x: x, beta: beta, y: y)
        }
        cblas_sgemv(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// Threads OpenBLAS uses for one call: 1 once any product ran (see `openBLASThreadsPinned`).
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets OpenBLAS's thread count to one, once per process, before the first product. Changing it
    /// later is unsafe while another thread is inside a BLAS call, and a process-wide count cannot
    /// serve concurrent callers with different needs, so nothing ever changes it again.
    @usableFromInline
    static let openBLASThreadsPinned: Void = { openblas_set_num_threads(1) }()

    /// The kernel family OpenBLAS picked at load time (e.g. "Haswell", "SkylakeX").
    public static var coreName: String {
        String(cString: openblas_get_corename())
    }

    /// How this OpenBLAS was built (`openblas_get_config()`), e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var buildConfiguration: String {
        String(cString: openblas_get_config())
    }
}
