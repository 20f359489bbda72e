/// y = α·Aᵀx + β·y for a tall A (a Dense layer's kernel at batch 1: many inputs, few outputs).
/// Split by blocks of y, every core would read a strided slice of every row of A; split instead into
/// blocks of A's rows, each core streams its own contiguous rows (the product is memory-bound) into a
/// partial y, and the partials are added in block order. The blocks have a fixed size, not one per
/// core, so the result is the same whatever the caller's share of the cores.
extension BLAS {
    static func sgemvTransposedSplit(m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                                     x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        let rowsPerBlock = max(1, minimumBlockWork / max(1, n))
        let blocks = (m + rowsPerBlock - 1) / rowsPerBlock
        var partials = [Float](uninitializedCount: blocks * n)  // every block's sgemv writes its n (beta 0)
        partials.withUnsafeMutableBufferPointer { pp in
            let ptrs = UnsafeSendableBox((a: a, x: x, p: pp.baseAddress!))
            Parallel.ranges(blocks) { range in
                let q = ptrs.value
                for block in range {
                    let r0 = block * rowsPerBlock, rows = min(rowsPerBlock, m - r0)
                    sgemv(transposeA: true, m: rows, n: n, a: q.a + r0 * lda, lda: lda, x: q.x + r0, y: q.p + block * n)
                }
            }
        }
        for j in 0..<n {
            var sum: Float = 0
            for block in 0..<blocks { sum += partials[block * n + j] }
            y[j] = beta == 0 ? alpha * sum : alpha * sum + beta * y[j]
        }
    }
}
