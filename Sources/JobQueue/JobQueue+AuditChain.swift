/// One place of the audit chain as migration 0007 sealed it, row by row: a verdict or a job
/// event, its stored place and hash, and its content as the chain hashes it.
public struct ChainRow: Sendable, Equatable {
    /// `verdicts` or `job_events`.
    public var table: String
    public var id: Int64
    public var seq: Int64
    /// The stored `chain_hash`, lowercase hex.
    public var hashHex: String
    /// `(to_jsonb(row) - 'chain_seq' - 'chain_hash')::text`, read in UTC (`ChainEntry.contentSQL`).
    public var content: String
}

extension JobQueue {
    /// The content rendering the chain hashes: UTC timestamps, shortest exact floats. Call once on
    /// the connection before reading chain rows.
    public func prepareChainReading() throws(PostgresError) {
        try db.executeScript("SET TimeZone = 'UTC'; SET extra_float_digits = 1")
    }

    /// Up to `limit` chained rows of both tables after place `seq`, in chain order. The content is
    /// rendered here with built-in functions only, never the schema's own.
    public func chainRows(after seq: Int64, limit: Int) throws(PostgresError) -> [ChainRow] {
        let result = try db.execute("""
            SELECT c.* FROM (
                (SELECT 'verdicts' AS table_name, t.id, t.chain_seq, encode(t.chain_hash, 'hex') AS hash,
                        \(ChainEntry.contentSQL("t")) AS content
                 FROM sigverify.verdicts t WHERE t.chain_seq > $1 ORDER BY t.chain_seq LIMIT $2)
                UNION ALL
                (SELECT 'job_events', t.id, t.chain_seq, encode(t.chain_hash, 'hex'),
                        \(ChainEntry.contentSQL("t"))
                 FROM sigverify.job_events t WHERE t.chain_seq > $1 ORDER BY t.chain_seq LIMIT $2)
            ) c ORDER BY c.chain_seq, c.table_name LIMIT $2
            """, [.int(Int(seq)), .int(limit)])
        var rows: [ChainRow] = []
        rows.reserveCapacity(result.count)
        for r in 0..<result.count {
            guard let table = try result.string(r, "table_name"), let id = try result.int(r, "id"),
                  let place = try result.int(r, "chain_seq"), let content = try result.string(r, "content") else {
                throw PostgresError(kind: .unexpectedResult, message: "chain row without table, id, place or content")
            }
            rows.append(ChainRow(table: table, id: Int64(id), seq: Int64(place), hashHex: try result.string(r, "hash") ?? "",
                                 content: content))
        }
        return rows
    }

    /// The first chained row with no place in the chain — neither sealed by itself (0007) nor
    /// listed in a link (0011, when `links`): written with the chain's triggers disabled — or nil.
    /// Verdicts first, then job events, then the tables of 0012 (when present).
    public func firstUnchainedRow(links: Bool) throws(PostgresError) -> (table: String, id: Int64)? {
        if let row = try firstUnsealed(links: links) { return row }
        guard links, try db.execute("SELECT to_regclass('sigverify.reference_signatures') IS NOT NULL AS present")
            .bool(0, "present") == true else { return nil }
        for linked in ChainEntry.linkedTables where linked.table.hasPrefix("reference_") {
            let result = try db.execute("""
                SELECT u.id FROM (SELECT id FROM sigverify.\(linked.table)
                                  EXCEPT ALL SELECT unnest(l.\(linked.column)) FROM sigverify.chain_links l) u
                ORDER BY u.id LIMIT 1
                """)
            if result.count == 1, let id = try result.int(0, "id") { return (linked.table, Int64(id)) }
        }
        return nil
    }

    /// The first verdict or job event in neither a per-row place nor a link.
    private func firstUnsealed(links: Bool) throws(PostgresError) -> (table: String, id: Int64)? {
        let listed = links ? """
            EXCEPT ALL
            (SELECT 'verdicts', unnest(l.verdict_ids) FROM sigverify.chain_links l
             UNION ALL
             SELECT 'job_events', unnest(l.event_ids) FROM sigverify.chain_links l)
            """ : ""
        let result = try db.execute("""
            SELECT u.table_name, u.id FROM (
                (SELECT 'verdicts' AS table_name, id FROM sigverify.verdicts WHERE chain_seq IS NULL
                 UNION ALL
                 SELECT 'job_events', id FROM sigverify.job_events WHERE chain_seq IS NULL)
                \(listed)
            ) u ORDER BY u.table_name DESC, u.id LIMIT 1
            """)
        guard result.count == 1, let table = try result.string(0, "table_name"), let id = try result.int(0, "id") else { return nil }
        return (table, Int64(id))
    }
}
