import XCTest

extension SpawnedProcess {
    /// A URL with no server behind it: usage errors must come before any connection.
    public static let unreachableDatabase = "postgresql://nobody@127.0.0.1:1/none"

    /// Runs `sigverify arguments` against `unreachableDatabase` and checks it exits 64 (a usage error)
    /// with `expected` in its message.
    public static func assertUsageError(_ arguments: [String], environment: [String: String] = [:], mentions expected: String,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let process = try SpawnedProcess("sigverify", arguments + ["--database-url", unreachableDatabase], environment: environment)
        XCTAssertEqual(process.waitForExit(timeout: 60), 64, process.stderr, file: file, line: line)
        XCTAssertTrue(process.stderr.contains(expected), process.stderr, file: file, line: line)
    }
}
