import Foundation
import Training
import XCTest

/// `evaluate-writers --embeddings`: one row per scan, its labels, then its embedding's values.
final class WriterEmbeddingTableTests: XCTestCase {
    func testOneRowPerScanWithItsLabelsAndValues() throws {
        let scans = [WriterScan(path: "a/1.png", dataset: "d", writer: "d/1", genuine: true, role: .test),
                     WriterScan(path: "a/2.png", dataset: "d", writer: "d/1", genuine: false)]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("embeddings-\(UUID().uuidString).tsv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try WriterEmbeddingTable.write(scans, [[0.5, -0.25], [1, 0]], to: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [WriterEmbeddingTable.header,
                               "a/1.png\td\td/1\tgenuine\ttest\t0.5,-0.25",
                               "a/2.png\td\td/1\tforgery\t\t1.0,0.0"])
    }
}
