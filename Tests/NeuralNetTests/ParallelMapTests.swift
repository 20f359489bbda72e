import NeuralNet
import XCTest

final class ParallelMapTests: XCTestCase {
    func testMapKeepsIndexOrderAndCallsEachIndexOnce() {
        for count in [0, 1, 2, 3, 17, 1000] {
            let calls = CallCounter(count: count)
            let values = Parallel.map(count) { i -> Int in
                calls.record(i)
                return i * i
            }
            XCTAssertEqual(values, (0..<count).map { $0 * $0 }, "count \(count)")
            XCTAssertEqual(calls.counts, [Int](repeating: 1, count: count), "count \(count)")
        }
    }
}

private final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var counts: [Int]
    init(count: Int) { counts = [Int](repeating: 0, count: count) }
    func record(_ i: Int) { lock.lock(); counts[i] += 1; lock.unlock() }
}
