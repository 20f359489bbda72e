import XCTest
import JobQueue

final class PostgresLibraryTests: XCTestCase {
    func testLinksLibpqVersion12OrNewer() {
        XCTAssertGreaterThanOrEqual(PostgresLibrary.version, 120000)
    }
}
