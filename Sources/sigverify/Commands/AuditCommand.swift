import ArgumentParser
import Foundation
import JobQueue

/// `sigverify audit`: recomputes the audit chain over verdicts and job events (migration 0007);
/// exit status 0 when every row verifies, 1 naming the first that does not.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify the tamper-evident chain over verdicts and job events.",
        discussion: """
            Keep the head hash (--anchor) somewhere the database's owner cannot write; a later \
            `audit --expect-head HASH` then proves that nothing up to that head was rewritten since.
            """)

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Flag(help: "Print only the head hash (after verifying the chain).") var anchor = false
    @Option(help: "Fail unless this hash (an earlier --anchor) is still in the chain.") var expectHead: String?

    func run() throws {
        database.bootstrapLogging()
        let audit = try ChainAuditor(queue: try database.connect()).audit(expectingHead: expectHead)
        let problem = audit.failure?.description
            ?? (audit.expectedHeadFound == false ? "expected head \(expectHead ?? "") is not in the chain: history up to it was rewritten or deleted" : nil)
        if json {
            print(jsonLine(audit, problem: problem))
        } else if let problem {
            FileHandle.standardError.write(Data("audit chain broken after \(audit.rows) verified rows: \(problem)\n".utf8))
        } else {
            print(anchor ? audit.headHex : "audit chain verified: \(audit.rows) rows, head seq \(audit.headSeq) \(audit.headHex)")
        }
        if problem != nil { throw ExitCode(1) }
    }

    private func jsonLine(_ audit: ChainAudit, problem: String?) -> String {
        var object: [String: Any] = ["verified": problem == nil, "rows": audit.rows, "head_seq": audit.headSeq, "head": audit.headHex]
        if let problem { object["problem"] = problem }
        if let failure = audit.failure {
            object["table"] = failure.table
            object["id"] = failure.id
            if let seq = failure.seq { object["chain_seq"] = seq }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
