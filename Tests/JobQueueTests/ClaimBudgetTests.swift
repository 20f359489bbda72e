import DatabaseTestSupport
import Foundation
import JobQueue
import XCTest

/// `claim(batchBytes:)`: how scan sizes count against a batch's byte budget.
final class ClaimBudgetTests: XCTestCase {
    func testScansCountInQueueOrderAndOversizedOnesCountNothing() throws {
        let db = try TestDatabase()
        let queue = try db.queue()
        let sizes = [6000, 3000, 3000, 100]
        let ids = try queue.enqueue(sizes.map { NewJob(image: [UInt8](repeating: 7, count: $0)) })
        // 6000 B is over maxScanBytes (never fetched, counts 0); 3000 fits 4000; the second 3000 would
        // not, and the claim stops there (a prefix of the queue), leaving the 100 B scan too.
        let first = try queue.claim(batchSize: 10, batchBytes: 4000, leaseSeconds: 30, workerId: "w", maxScanBytes: 5000)
        XCTAssertEqual(first.map(\.id), Array(ids[0...1]))
        XCTAssertEqual(first[0].imageFailure, .tooLarge(bytes: 6000, limit: 5000))
        XCTAssertEqual(first[1].image?.count, 3000)
        let second = try queue.claim(batchSize: 10, batchBytes: 1, leaseSeconds: 30, workerId: "w", maxScanBytes: 5000)
        XCTAssertEqual(second.map(\.id), [ids[2]], "a claim always takes one job, whatever its size")
        let third = try queue.claim(batchSize: 10, batchBytes: 4000, leaseSeconds: 30, workerId: "w", maxScanBytes: 5000)
        XCTAssertEqual(third.map(\.id), [ids[3]])
        XCTAssertEqual(try queue.claim(batchSize: 10, batchBytes: 4000, leaseSeconds: 30, workerId: "w"), [])
    }
}
