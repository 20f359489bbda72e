/// A chained row, named the way the audit chain names it.
public struct ChainEntry: Hashable, Sendable {
    /// `job_events`, `verdicts`, or since migration 0012 `reference_embeddings`, `reference_events`
    /// and `reference_signatures`.
    public var table: String
    public var id: Int64

    /// The chained tables and their id columns in `sigverify.chain_links`, in a link's place order
    /// (the seal orders a transaction's leaves by table name, then id).
    public static let linkedTables: [(table: String, column: String)] = [
        ("job_events", "event_ids"), ("reference_embeddings", "embedding_ids"), ("reference_events", "reference_event_ids"),
        ("reference_signatures", "reference_ids"), ("verdicts", "verdict_ids"),
    ]

    /// The content the chain hashes of `alias`'s row, with built-in functions only: the row as JSON
    /// without `chain_seq` and `chain_hash`, and without the match columns of migration 0012 while
    /// they are NULL (so rows sealed before it keep their content).
    static func contentSQL(_ alias: String) -> String {
        """
        (to_jsonb(\(alias)) - 'chain_seq' - 'chain_hash' - ARRAY(
            SELECT k FROM unnest(ARRAY['match_score', 'match_passed', 'match_threshold', 'match_model_version',
                                       'match_references', 'match_reference_ids', 'match_reason']) AS k
            WHERE to_jsonb(\(alias)) -> k = 'null'::jsonb))::text
        """
    }
}

/// One link of the audit chain of migration 0011: the rows one transaction sealed.
public struct ChainLink: Sendable, Equatable {
    /// The place of its first row; its rows are places `firstSeq`, `firstSeq + 1`, ….
    public var firstSeq: Int64
    /// Its rows in place order: table by table in `ChainEntry.linkedTables` order, each by id.
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

    /// Up to `limit` links whose first place is after `seq`, in chain order (an id column the
    /// schema does not have yet, before 0012, reads as empty; a link before 0013 has leaf format 1).
    public func chainLinks(after seq: Int64, limit: Int) throws(PostgresError) -> [ChainLink] {
        let columns = ChainEntry.linkedTables.map { linked in
            "array_to_string(ARRAY(SELECT jsonb_array_elements_text(coalesce(to_jsonb(l) -> '\(linked.column)', '[]'))), ',') AS \(linked.column)"
        }
        let result = try db.execute("""
            SELECT first_seq, \(columns.joined(separator: ", ")), leaves, root, encode(link_hash, 'hex') AS hash,
                   coalesce((to_jsonb(l) ->> 'leaf_format')::int, 1) AS leaf_format
            FROM sigverify.chain_links l WHERE first_seq > $1 ORDER BY first_seq LIMIT $2
            """, [.int(Int(seq)), .int(limit)])
        var links: [ChainLink] = []
        links.reserveCapacity(result.count)
        for r in 0..<result.count {
            guard let first = try result.int(r, "first_seq"), let leaves = try result.bytes(r, "leaves"),
                  let root = try result.bytes(r, "root"), let hash = try result.string(r, "hash"),
                  let format = try result.int(r, "leaf_format").flatMap(ChainLeafFormat.init(rawValue:)) else {
                throw PostgresError(kind: .unexpectedResult, message: "chain link without place, leaves, root, hash or a known leaf format")
            }
            var entries: [ChainEntry] = []
            for linked in ChainEntry.linkedTables { entries += Self.entries(linked.table, try result.string(r, linked.column)) }
            links.append(ChainLink(firstSeq: Int64(first), entries: entries, leaves: leaves, root: root, hashHex: hash,
                                   leafFormat: format))
        }
        return links
    }

    private static func entries(_ table: String, _ ids: String?) -> [ChainEntry] {
        (ids ?? "").split(separator: ",").compactMap { Int64($0) }.map { ChainEntry(table: table, id: $0) }
    }
}
