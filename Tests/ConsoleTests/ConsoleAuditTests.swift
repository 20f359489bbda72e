import Console
import Foundation
import JobQueue
import TestSupport
import XCTest

/// `/audit?verify=1` over a chain someone rewrote behind the triggers' back: the console names the
/// first broken row, as `sigverify audit` does.
final class ConsoleAuditTests: XCTestCase {
    func testAVerificationNamesTheFirstBrokenRow() throws {
        let fixture = try ConsoleFixture()
        defer { fixture.tearDown() }
        let owner = try PostgresConnection(url: fixture.ownerURL)
        for tag in 1...3 {
            _ = try owner.execute("SELECT sigverify.enqueue_scan($1, $2)", [.bytea(Array("scan \(tag)".utf8)), .text("ref-\(tag)")])
        }
        let port = try fixture.startConsole().address.port
        XCTAssertTrue(try LoopbackHTTP(port: port, "/audit?verify=1").text.contains("intact: 3 places verified"))
        let id = try fixture.scalar("SELECT id FROM sigverify.chain_places WHERE table_name = 'job_events' AND chain_seq = 2")
        try owner.executeScript("""
            BEGIN;
            ALTER TABLE sigverify.job_events DISABLE TRIGGER USER;
            UPDATE sigverify.job_events SET reason = 'forged' WHERE id = \(id);
            ALTER TABLE sigverify.job_events ENABLE TRIGGER USER;
            COMMIT;
            """)
        let page = try LoopbackHTTP(port: port, "/audit?verify=1").text
        XCTAssertTrue(page.contains("id=\"audit-result\">BROKEN at job_events id \(id) (chain seq 2): content does not match the leaf sealed for it"), page)
        XCTAssertTrue(page.contains("id=\"head-seq\">3<"), "the head as stored")
    }
}
