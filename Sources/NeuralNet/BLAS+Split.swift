/// Matrix products spread over the calling thread's share of the cores (`CoreShare`): the result is
/// cut into blocks along its longer side (rows of C when C is at least as tall as it is wide, else
/// columns, so each core re-reads only the smaller operand), each block one single-threaded `sgemm`
/// or `sgemv` on its own core. Every block computes exactly what the whole call computes for those
/// elements (the same dot products in the same order), so results do not depend on the split.
extension BLAS {
    /// Multiply-adds below which a block is not worth a core of its own (≈ 10 µs of one core).
    static let minimumBlockWork = 1 << 20

    /// `sgemm`, split across the caller's cores.
    public static func sgemmSplit(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let byRows = m >= n
        let perLine = max(1, (byRows ? n : m) * k)
        let ptrs = UnsafeSendableBox((a: a, b: b, c: c))
        Parallel.ranges(byRows ? m : n, minimumPerWorker: max(1, minimumBlockWork / perLine)) { r in
            let (a, b, c) = ptrs.value
            if byRows {
                sgemm(transposeA: transposeA, transposeB: transposeB, m: r.count, n: n, k: k, alpha: alpha,
                      a: transposeA ? a + r.lowerBound : a + r.lowerBound * lda, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c + r.lowerBound * ldc, ldc: ldc)
            } else {
                sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: r.count, k: k, alpha: alpha,
                      a: a, lda: lda, b: transposeB ? b + r.lowerBound * ldb : b + r.lowerBound, ldb: ldb,
                      beta: beta, c: c + r.lowerBound, ldc: ldc)
            }
        }
    }

    /// `sgemv`, split across the caller's cores: by blocks of y, or, for y = Aᵀx with a tall A, by blocks of A's rows
    /// (`sgemvTransposedSplit`).
    public static func sgemvSplit(
        transposeA: Bool = false, m: Int, n: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        if transposeA && m > n && m * n >= 2 * minimumBlockWork {
            sgemvTransposedSplit(m: m, n: n, alpha: alpha, a: a, lda: lda, x: x, beta: beta, y: y)
            return
        }
        let (outputs, perOutput) = transposeA ? (n, m) : (m, n)
        let ptrs = UnsafeSendableBox((a: a, x: x, y: y))
        Parallel.ranges(outputs, minimumPerWorker: max(1, minimumBlockWork / max(1, perOutput))) { r in
            let (a, x, y) = ptrs.value
            if transposeA {
                sgemv(transposeA: true, m: m, n: r.count, alpha: alpha, a: a + r.lowerBound, lda: lda,
                      x: x, beta: beta, y: y + r.lowerBound)
            } else {
                sgemv(m: r.count, n: n, alpha: alpha, a: a + r.lowerBound * lda, lda: lda,
                      x: x, beta: beta, y: y + r.lowerBound)
            }
        }
    }
}
