import Digest

/// Where the audit chain stops verifying: the row named, and why.
public struct ChainBreak: Equatable, Sendable, CustomStringConvertible {
    public var table: String
    public var id: Int64
    public var seq: Int64?
    public var problem: String

    public var description: String {
        "\(table) id \(id)" + (seq.map { " (chain seq \($0))" } ?? "") + ": \(problem)"
    }
}

/// The outcome of `ChainAuditor.audit`: how many places verified, the head, and the first break.
public struct ChainAudit: Equatable, Sendable {
    public var rows = 0
    public var headSeq: Int64 = 0
    public var headHex = SHA256.hex(ChainAuditor.genesis)
    public var failure: ChainBreak?
    /// Whether `--expect-head`'s hash was met on the way (nil when none was given).
    public var expectedHeadFound: Bool?
}

/// Recomputes the audit chain outside the database, from the rows as stored: first the places
/// migration 0007 sealed row by row (`chain_hash = SHA-256(previous chain_hash ‖ "table:seq:content")`,
/// 32 zero bytes before place 1), then the links of migration 0011, one per sealed transaction
/// (see `ChainAuditor+Links.swift`), which continue from the last of those places.
public struct ChainAuditor {
    static let genesis = [UInt8](repeating: 0, count: 32)
    let queue: JobQueue
    var pageSize: Int

    public init(queue: JobQueue, pageSize: Int = 1000) {
        self.queue = queue
        self.pageSize = pageSize
    }

    /// Reads the chain in `pageSize` pages inside one read-only snapshot and stops at the first break;
    /// `expected` is a head hash (`audit --expect-head`) that must be met on the way.
    public func audit(expectingHead expected: String? = nil) throws -> ChainAudit {
        try queue.prepareChainReading()
        try queue.db.executeScript("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        defer { _ = try? queue.db.executeScript("COMMIT") }
        var audit = ChainAudit(expectedHeadFound: expected.map { $0.lowercased() == SHA256.hex(Self.genesis) })
        var previous = Self.genesis
        try auditRows(&audit, previous: &previous, expected: expected?.lowercased())
        let links = try queue.hasChainLinks()
        if links, audit.failure == nil { try auditLinks(&audit, previous: &previous, expected: expected?.lowercased()) }
        if audit.failure == nil, let (table, id) = try queue.firstUnchainedRow(links: links) {
            audit.failure = ChainBreak(table: table, id: id, seq: nil,
                                       problem: "not in the audit chain: written with the chain's trigger disabled")
        }
        return audit
    }

    /// The places sealed row by row (migration 0007), in pages.
    private func auditRows(_ audit: inout ChainAudit, previous: inout [UInt8], expected: String?) throws {
        while audit.failure == nil {
            let rows = try queue.chainRows(after: audit.headSeq, limit: pageSize)
            if rows.isEmpty { return }
            for row in rows {
                if let failure = Self.check(row, expectedSeq: audit.headSeq + 1, previous: &previous) {
                    audit.failure = failure
                    return
                }
                (audit.rows, audit.headSeq, audit.headHex) = (audit.rows + 1, row.seq, row.hashHex)
                if row.hashHex == expected { audit.expectedHeadFound = true }
            }
        }
    }

    /// Verifies one place against the previous hash (advanced on success); the break, or nil.
    private static func check(_ row: ChainRow, expectedSeq: Int64, previous: inout [UInt8]) -> ChainBreak? {
        if let failure = placeBreak(ChainEntry(table: row.table, id: row.id), seq: row.seq, expected: expectedSeq) {
            return failure
        }
        let digest = chained(previous, "\(row.table):\(row.seq):\(row.content)")
        guard SHA256.hex(digest) == row.hashHex else {
            return ChainBreak(table: row.table, id: row.id, seq: row.seq,
                              problem: "content or hash does not match the chain: rewritten (or the row before it was, hash and all)")
        }
        previous = digest
        return nil
    }

    /// The hash after `previous` in the chain: SHA-256(previous ‖ UTF-8 of `message` ‖ `tail`).
    static func chained(_ previous: [UInt8], _ message: String, _ tail: [UInt8] = []) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(previous)
        hasher.update(Array(message.utf8))
        hasher.update(tail)
        return hasher.finalize()
    }

    /// The break when a row (or a link's first row) at `seq` stands where `expected` should: the
    /// places between are missing (deleted), or this one was taken already (inserted); nil if equal.
    static func placeBreak(_ entry: ChainEntry, seq: Int64, expected: Int64) -> ChainBreak? {
        if seq > expected {
            return ChainBreak(table: entry.table, id: entry.id, seq: seq,
                              problem: "chain seq \(expected)\(seq > expected + 1 ? "–\(seq - 1)" : "") missing before it: deleted")
        }
        if seq < expected {
            return ChainBreak(table: entry.table, id: entry.id, seq: seq, problem: "a second row at this place: inserted")
        }
        return nil
    }
}
