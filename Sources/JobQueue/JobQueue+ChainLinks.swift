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
    /// How its leaves were computed (`ChainLeafFormat`).
    public var leafFormat: ChainLeafFormat
}

/// How a link's rows' leaves were computed: `SHA-256(0x00 ‖ "table:id:" ‖ content)`, the content
/// being the row as JSON text (migration 0011) or the binary form of its columns (0013).
public enum ChainLeafFormat: Int, Sendable {
    /// `(to_jsonb(row) - 'chain_seq' - 'chain_hash')::text`, in UTC with `extra_float_digits = 1`.
    case json = 1
    /// For verdicts and job events `record_send(ROW(columns…))` over the columns migration 0013
    /// lists; a row of any other chained table as in `json`.
    case binary = 2
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
                   leaves, root, encode(link_hash, 'hex') AS hash, leaf_format
            FROM sigverify.chain_links WHERE first_seq > $1 ORDER BY first_seq LIMIT $2
            """, [.int(Int(seq)), .int(limit)])
        var links: [ChainLink] = []
        links.reserveCapacity(result.count)
        for r in 0..<result.count {
            guard let first = try result.int(r, "first_seq"), let leaves = try result.bytes(r, "leaves"),
                  let root = try result.bytes(r, "root"), let hash = try result.string(r, "hash"),
                  let format = try result.int(r, "leaf_format").flatMap(ChainLeafFormat.init(rawValue:)) else {
                throw PostgresError(kind: .unexpectedResult, message: "chain link without place, leaves, root, hash or a known leaf format")
            }
            let entries = Self.entries("job_events", try result.string(r, "events"))
                + Self.entries("verdicts", try result.string(r, "verdicts"))
            links.append(ChainLink(firstSeq: Int64(first), entries: entries, leaves: leaves, root: root, hashHex: hash,
                                   leafFormat: format))
        }
        return links
    }

    private static func entries(_ table: String, _ ids: String?) -> [ChainEntry] {
        (ids ?? "").split(separator: ",").compactMap { Int64($0) }.map { ChainEntry(table: table, id: $0) }
    }
}
