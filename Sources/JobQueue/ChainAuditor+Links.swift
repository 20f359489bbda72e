import Digest

/// The links of migration 0011: one per sealed transaction, over its rows' leaves
/// (`SHA-256(0x00 ‖ "table:id:" ‖ content)`, the content in the link's `ChainLeafFormat`), their Merkle tree hash (RFC 6962: nodes
/// `SHA-256(0x01 ‖ left ‖ right)`, an odd last node carried up) and the previous head:
/// `link_hash = SHA-256(previous ‖ "link:first_seq:rows:" ‖ root)`.
extension ChainAuditor {
    /// Verifies the links in chain order, `pageSize` links per read and their rows' contents at
    /// most `pageSize` rows per read (a larger link alone).
    func auditLinks(_ audit: inout ChainAudit, previous: inout [UInt8], expected: String?) throws {
        var after: Int64 = 0
        while audit.failure == nil {
            let links = try queue.chainLinks(after: after, limit: pageSize)
            guard let last = links.last else { return }
            after = last.firstSeq
            for group in Self.groups(links, rows: pageSize) where audit.failure == nil {
                let contents = try Self.contents(of: group, queue)
                for link in group {
                    if let failure = Self.check(link, contents: contents, expectedSeq: audit.headSeq + 1, previous: &previous) {
                        audit.failure = failure
                        break
                    }
                    let rows = Int64(link.entries.count)
                    (audit.rows, audit.headSeq, audit.headHex) = (audit.rows + link.entries.count, link.firstSeq + rows - 1, link.hashHex)
                    if link.hashHex == expected { audit.expectedHeadFound = true }
                }
            }
        }
    }

    /// The stored contents of the rows of `links`, each in its link's leaf format.
    static func contents(of links: [ChainLink], _ queue: JobQueue) throws(PostgresError) -> [ChainEntry: [UInt8]] {
        var contents: [ChainEntry: [UInt8]] = [:]
        for format in [ChainLeafFormat.json, .binary] {
            let entries = links.filter { $0.leafFormat == format }.flatMap(\.entries)
            guard !entries.isEmpty else { continue }
            contents.merge(try queue.chainContents(of: entries, format: format)) { $1 }
        }
        return contents
    }

    /// Consecutive links holding at most `rows` rows together (a larger link alone).
    static func groups(_ links: [ChainLink], rows: Int) -> [[ChainLink]] {
        var groups: [[ChainLink]] = [[]]
        var count = 0
        for link in links {
            if count + link.entries.count > rows, !(groups[groups.count - 1].isEmpty) {
                groups.append([])
                count = 0
            }
            groups[groups.count - 1].append(link)
            count += link.entries.count
        }
        return groups
    }

    /// Verifies one link against the previous head (advanced on success): its place, each row
    /// against its sealed leaf, the leaves against the root, the link against the chain.
    static func check(_ link: ChainLink, contents: [ChainEntry: [UInt8]], expectedSeq: Int64,
                      previous: inout [UInt8]) -> ChainBreak? {
        guard let first = link.entries.first, link.leaves.count == 32 * link.entries.count else {
            return ChainBreak(table: "chain_links", id: link.firstSeq, seq: link.firstSeq,
                              problem: "a link of \(link.entries.count) rows with \(link.leaves.count) bytes of leaves: rewritten")
        }
        if let failure = placeBreak(first, seq: link.firstSeq, expected: expectedSeq) { return failure }
        if let failure = checkRows(link, contents) { return failure }
        let span = "chain seq \(link.firstSeq)–\(link.firstSeq + Int64(link.entries.count) - 1)"
        let leaves = stride(from: 0, to: link.leaves.count, by: 32).map { Array(link.leaves[$0..<$0 + 32]) }
        guard merkleRoot(leaves) == link.root else {
            return ChainBreak(table: first.table, id: first.id, seq: link.firstSeq,
                              problem: "the sealed leaves of \(span) do not match their Merkle root: rewritten (a row of them, leaf and all)")
        }
        let digest = chained(previous, "link:\(link.firstSeq):\(link.entries.count):", link.root)
        guard SHA256.hex(digest) == link.hashHex else {
            return ChainBreak(table: first.table, id: first.id, seq: link.firstSeq,
                              problem: "the link of \(span) does not match the chain: rewritten or reordered (or the link before it was, hash and all)")
        }
        previous = digest
        return nil
    }

    /// The first row of `link` that is gone (deleted) or whose content no longer gives its sealed
    /// leaf (rewritten), or nil.
    private static func checkRows(_ link: ChainLink, _ contents: [ChainEntry: [UInt8]]) -> ChainBreak? {
        for (i, entry) in link.entries.enumerated() {
            guard let content = contents[entry] else { return deleted(at: i, in: link, contents) }
            guard chained([0], "\(entry.table):\(entry.id):", content) == Array(link.leaves[32 * i..<32 * i + 32]) else {
                return ChainBreak(table: entry.table, id: entry.id, seq: link.firstSeq + Int64(i),
                                  problem: "content does not match the leaf sealed for it: rewritten")
            }
        }
        return nil
    }

    /// A listed row that is gone, reported at the next row of its link still there (as a deleted
    /// place of 0007 is), or at its own place when none is.
    private static func deleted(at i: Int, in link: ChainLink, _ contents: [ChainEntry: [UInt8]]) -> ChainBreak {
        let gone = link.entries[i]
        let seq = link.firstSeq + Int64(i)
        guard let next = link.entries[(i + 1)...].firstIndex(where: { contents[$0] != nil }) else {
            return ChainBreak(table: gone.table, id: gone.id, seq: seq, problem: "listed in the audit chain but missing: deleted")
        }
        let present = link.entries[next]
        let missing = next > i + 1 ? "\(seq)–\(link.firstSeq + Int64(next) - 1)" : "\(seq)"
        return ChainBreak(table: present.table, id: present.id, seq: link.firstSeq + Int64(next),
                          problem: "chain seq \(missing) missing before it: deleted (chain seq \(seq) was \(gone.table) id \(gone.id))")
    }

    /// The Merkle tree hash of `leaves`, level by level, an odd last node carried up unchanged.
    static func merkleRoot(_ leaves: [[UInt8]]) -> [UInt8] {
        var level = leaves
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { i in
                i + 1 < level.count ? SHA256.hash([1] + level[i] + level[i + 1]) : level[i]
            }
        }
        return level.first ?? []
    }
}
