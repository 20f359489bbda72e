/// A verdict or job event, named the way the audit chain names it.
public struct ChainEntry: Hashable, Sendable {
    /// `verdicts` or `job_events`.
    public var table: String
    public var id: Int64
}

/// One link of the audit chain of migration 0011: the rows one transaction sealed.
public struct ChainLink: Sendable, Equatable {
    /// The place of its first row; its rows are places `firstSeq`, `firstSeq + 1`, ….
    public var firstSeq: Int64
    /// Its rows in place order: its job events by id, then its verdicts by id.
    public var entries: [ChainEntry]
    /// The rows' leaf hashes as sealed, 32 bytes each, in place order.
    public var leaves: [UInt8]
    /// The Merkle tree hash of `leaves`, as sealed.
    public var root: [UInt8]
    /// The stored `link_hash`, lowercase hex.
    public var hashHex: String
}

extension JobQueue {
    /// Whether the schema has per-transaction links (migration 0011 or later).
    public func hasChainLinks() throws(PostgresError) -> Bool {
        try db.execute("SELECT to_regclass('sigverify.chain_links') IS NOT NULL AS present").bool(0, "present") ?? false
    }

    /// Up to `limit` links whose first place is after `seq`, in chain order.
    public func chainLinks(after seq: Int64, limit: Int) throws(PostgresError) -> [ChainLink] {
        let result = try db.execute("""
            SELECT first_seq, array_to_string(event_ids, ',') AS events, array_to_string(verdict_ids, ',') AS verdicts,
                   leaves, root, encode(link_hash, 'hex') AS hash
            FROM sigverify.chain_links WHERE first_seq > $1 ORDER BY first_seq LIMIT $2
            """, [.int(Int(seq)), .int(limit)])
        var links: [ChainLink] = []
        links.reserveCapacity(result.count)
        for r in 0..<result.count {
            guard let first = try result.int(r, "first_seq"), let leaves = try result.bytes(r, "leaves"),
                  let root = try result.bytes(r, "root"), let hash = try result.string(r, "hash") else {
                throw PostgresError(kind: .unexpectedResult, message: "chain link without place, leaves, root or hash")
            }
            let entries = Self.entries("job_events", try result.string(r, "events"))
                + Self.entries("verdicts", try result.string(r, "verdicts"))
            links.append(ChainLink(firstSeq: Int64(first), entries: entries, leaves: leaves, root: root, hashHex: hash))
        }
        return links
    }

    private static func entries(_ table: String, _ ids: String?) -> [ChainEntry] {
        (ids ?? "").split(separator: ",").compactMap { Int64($0) }.map { ChainEntry(table: table, id: $0) }
    }

    /// The content the chain hashes of each of `entries` still stored (a deleted row is absent),
    /// rendered with built-in functions only, as `chainRows` does.
    public func chainContents(of entries: [ChainEntry]) throws(PostgresError) -> [ChainEntry: String] {
        func ids(_ table: String) -> PostgresValue {
            .text("{" + entries.filter { $0.table == table }.map { String($0.id) }.joined(separator: ",") + "}")
        }
        let result = try db.execute("""
            SELECT 'job_events' AS table_name, t.id, (to_jsonb(t) - 'chain_seq' - 'chain_hash')::text AS content
            FROM sigverify.job_events t WHERE t.id = ANY($1::bigint[])
            UNION ALL
            SELECT 'verdicts', t.id, (to_jsonb(t) - 'chain_seq' - 'chain_hash')::text
            FROM sigverify.verdicts t WHERE t.id = ANY($2::bigint[])
            """, [ids("job_events"), ids("verdicts")])
        var contents: [ChainEntry: String] = [:]
        for r in 0..<result.count {
            guard let table = try result.string(r, "table_name"), let id = try result.int(r, "id"),
                  let content = try result.string(r, "content") else {
                throw PostgresError(kind: .unexpectedResult, message: "chained row without table, id or content")
            }
            contents[ChainEntry(table: table, id: Int64(id))] = content
        }
        return contents
    }
}
