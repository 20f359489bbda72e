import COpenBLAS
import Foundation

/// The single doorway to OpenBLAS: every matrix product in the engine goes through here,
/// so thread settings and the row-major convention live in one place.
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
        if BF16Emulation.isOn {  // measurement only (`sigverify benchmark precision`), never in production
            return BF16Emulation.sgemv(transposeA: transposeA, m: m, n: n, alpha: alpha, a: a, lda: lda, x: x, beta: beta, y: y)
        }
        cblas_sgemv(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// Number of threads OpenBLAS uses for one call.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The kernel family OpenBLAS picked at load time (e.g. "Haswell", "SkylakeX").
    public static var coreName: String {
        String(cString: openblas_get_corename())
    }

    /// How this OpenBLAS was built (`openblas_get_config()`), e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var buildConfiguration: String {
        String(cString: openblas_get_config())
    }

    /// Runs `body` with OpenBLAS limited to one thread, for code that already splits its work across
    /// the cores itself (each core's SGEMMs must not spawn more threads). The thread count is
    /// process-wide, so overlapping callers (e.g. several worker loops) share one reference-counted
    /// window: the first to enter saves and lowers it, the last to leave restores it.
    /// With `when: false` it just runs `body` (callers that split the work only sometimes).
    public static func withSingleThreadedCalls<T>(when condition: Bool = true, _ body: () throws -> T) rethrows -> T {
        guard condition else { return try body() }
        singleThreadGate.enter()
        defer { singleThreadGate.leave() }
        return try body()
    }

    private static let singleThreadGate = SingleThreadGate()
}

/// The reference count behind `BLAS.withSingleThreadedCalls`.
private final class SingleThreadGate: @unchecked Sendable {
    private let lock = NSLock()
    private var depth = 0
    private var savedThreads = 1

    func enter() {
        lock.lock()
        defer { lock.unlock() }
        if depth == 0 {
            savedThreads = BLAS.threadCount
            BLAS.threadCount = 1
        }
        depth += 1
    }

    func leave() {
        lock.lock()
        defer { lock.unlock() }
        depth -= 1
        if depth == 0 { BLAS.threadCount = savedThreads }
    }
}
