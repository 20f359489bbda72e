import Foundation
import XCTest
import NeuralNet

/// `BLAS.sgemmSplit`/`sgemvSplit` against the unsplit product, and thread use under concurrent callers.
final class BLASSplitTests: XCTestCase {
    private func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextUnitFloat() - 0.5 }
    }

    /// C = op(A)·op(B) + 0.5·C, split and unsplit, for tall and wide C in every orientation.
    func testSplitProductEqualsTheWholeProduct() {
        for (m, n, k) in [(700, 24, 160), (24, 700, 160)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = random(m * k, seed: 1), b = random(k * n, seed: 2), c0 = random(m * n, seed: 3)
                var whole = c0, split = c0
                let (lda, ldb) = (ta ? m : k, tb ? k : n)
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                    whole.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda,
                                   b: bp.baseAddress!, ldb: ldb, beta: 0.5, c: cp.baseAddress!, ldc: n)
                    }
                    split.withUnsafeMutableBufferPointer { cp in
                        CoreShare.with(cores: 2) {
                            BLAS.sgemmSplit(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda,
                                            b: bp.baseAddress!, ldb: ldb, beta: 0.5, c: cp.baseAddress!, ldc: n)
                        }
                    }
                }}
                let worst = zip(whole, split).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1e-5, "m \(m) n \(n) k \(k) transposed \(ta) \(tb)")
            }
        }
    }

    func testSplitMatrixVectorProductEqualsTheWholeProduct() {
        let (m, n) = (3000, 700)
        let a = random(m * n, seed: 4)
        for transposed in [false, true] {
            let x = random(transposed ? m : n, seed: 5), outputs = transposed ? n : m
            var whole = [Float](repeating: 0, count: outputs), split = whole
            a.withUnsafeBufferPointer { ap in x.withUnsafeBufferPointer { xp in
                whole.withUnsafeMutableBufferPointer { yp in
                    BLAS.sgemv(transposeA: transposed, m: m, n: n, a: ap.baseAddress!, lda: n, x: xp.baseAddress!, y: yp.baseAddress!)
                }
                split.withUnsafeMutableBufferPointer { yp in
                    CoreShare.with(cores: 2) {
                        BLAS.sgemvSplit(transposeA: transposed, m: m, n: n, a: ap.baseAddress!, lda: n,
                                        x: xp.baseAddress!, y: yp.baseAddress!)
                    }
                }
            }}
            let worst = zip(whole, split).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-4, "transposed \(transposed)")
        }
    }

    /// y = Aᵀx with a tall A (a Dense kernel at batch 1) is split into fixed blocks of A's rows: the
    /// same bits on one core as on two, and within rounding of the whole product.
    func testTallTransposedMatrixVectorProductDoesNotDependOnTheShare() {
        let (m, n) = (40_000, 64)
        let a = random(m * n, seed: 8), x = random(m, seed: 9)
        func product(cores: Int?) -> [Float] {
            var y = [Float](repeating: 0, count: n)
            a.withUnsafeBufferPointer { ap in x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                if let cores {
                    CoreShare.with(cores: cores) {
                        BLAS.sgemvSplit(transposeA: true, m: m, n: n, a: ap.baseAddress!, lda: n, x: xp.baseAddress!, y: yp.baseAddress!)
                    }
                } else {
                    BLAS.sgemv(transposeA: true, m: m, n: n, a: ap.baseAddress!, lda: n, x: xp.baseAddress!, y: yp.baseAddress!)
                }
            }}}
            return y
        }
        let one = product(cores: 1), two = product(cores: 2), whole = product(cores: nil)
        XCTAssertEqual(one, two)
        let worst = zip(whole, two).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-3)
    }

    /// Four callers with different shares multiply at once (as worker loops do): each sees its own
    /// share, OpenBLAS's thread count is one throughout — nobody changes it — and every result is right.
    func testConcurrentCallersKeepTheirShareAndNeverChangeBLASThreads() {
        let (m, n, k) = (512, 64, 288)
        let a = random(m * k, seed: 6), b = random(k * n, seed: 7)
        var whole = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in whole.withUnsafeMutableBufferPointer { cp in
            BLAS.sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
        }}}
        let expected = whole
        let failures = FailureLog()
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            let share = caller % 2 + 1
            CoreShare.with(cores: share) {
                for _ in 0..<20 {
                    var c = [Float](repeating: 0, count: m * n)
                    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemmSplit(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n,
                                        c: cp.baseAddress!, ldc: n)
                    }}}
                    let problems = [
                        CoreShare.current == min(share, CoreShare.machine) ? nil : "caller \(caller) sees share \(CoreShare.current)",
                        BLAS.threadCount == 1 ? nil : "OpenBLAS threads \(BLAS.threadCount)",
                        zip(c, expected).allSatisfy { abs($0 - $1) <= 1e-5 } ? nil : "caller \(caller) got a wrong product",
                    ].compactMap { $0 }
                    failures.add(problems)
                }
            }
        }
        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(CoreShare.current, CoreShare.machine, "the share is bound only inside CoreShare.with")
        XCTAssertEqual(CoreShare.perCaller(1), CoreShare.machine)
        XCTAssertEqual(CoreShare.perCaller(4 * CoreShare.machine), 1)
    }
}

/// Problems found by concurrent callers, collected under a lock.
private final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var problems: [String] = []

    func add(_ more: [String]) { lock.withLock { problems += more } }
    var all: [String] { lock.withLock { problems } }
}
