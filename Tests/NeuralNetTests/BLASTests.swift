import Foundation
import XCTest
import NeuralNet

final class BLASTests: XCTestCase {
    func testSgemmMultipliesSmallMatrices() {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let b: [Float] = [7, 8, 9, 10, 11, 12]
        var c = [Float](repeating: -1, count: 4)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.sgemm(m: 2, n: 2, k: 3, a: pa.baseAddress!, lda: 3,
                               b: pb.baseAddress!, ldb: 2, c: pc.baseAddress!, ldc: 2)
                }
            }
        }
        XCTAssertEqual(c, [58, 64, 139, 154])
    }
}

final class BLASGemvTests: XCTestCase {
    func testSgemvBothOrientations() {
        // A = [1 2 3; 4 5 6]
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        var y2 = [Float](repeating: -1, count: 2), y3 = [Float](repeating: -1, count: 3)
        a.withUnsafeBufferPointer { pa in
            [Float](arrayLiteral: 1, 0, -1).withUnsafeBufferPointer { px in
                y2.withUnsafeMutableBufferPointer { py in
                    BLAS.sgemv(m: 2, n: 3, a: pa.baseAddress!, lda: 3, x: px.baseAddress!, y: py.baseAddress!)
                }
            }
            [Float](arrayLiteral: 1, 2).withUnsafeBufferPointer { px in
                y3.withUnsafeMutableBufferPointer { py in
                    BLAS.sgemv(transposeA: true, m: 2, n: 3, a: pa.baseAddress!, lda: 3, x: px.baseAddress!, y: py.baseAddress!)
                }
            }
        }
        XCTAssertEqual(y2, [-2, -2])
        XCTAssertEqual(y3, [9, 12, 15])
    }
}
