/// The contents the audit chain's links hash, read back from the rows as stored.
extension JobQueue {
    /// The content the chain hashes (after `"table:id:"`) of each of `entries` still stored (a
    /// deleted row is absent), in leaf format `format`, rendered with built-in functions only,
    /// never the schema's own (as `chainRows` does). Only the tables `entries` name are read, so
    /// a schema before 0012 (no reference tables) is read as well.
    public func chainContents(of entries: [ChainEntry], format: ChainLeafFormat) throws(PostgresError) -> [ChainEntry: [UInt8]] {
        let tables = ChainEntry.linkedTables.map(\.table).filter { table in entries.contains { $0.table == table } }
        guard !tables.isEmpty else { return [:] }
        let selects = tables.enumerated().map { n, table in
            "SELECT '\(table)' AS table_name, t.id, \(Self.content(of: table, format: format)) AS content "
                + "FROM sigverify.\(table) t WHERE t.id = ANY($\(n + 1)::bigint[])"
        }
        let params: [PostgresValue?] = tables.map { table in
            .text("{" + entries.filter { $0.table == table }.map { String($0.id) }.joined(separator: ",") + "}")
        }
        let result = try db.executeBinary(selects.joined(separator: "\nUNION ALL\n"), params)
        var contents: [ChainEntry: [UInt8]] = [:]
        for r in 0..<result.count {
            guard let table = try result.string(r, "table_name"), let id = try result.int64(r, "id"),
                  let content = try result.bytes(r, "content") else {
                throw PostgresError(kind: .unexpectedResult, message: "chained row without table, id or content")
            }
            contents[ChainEntry(table: table, id: id)] = content
        }
        return contents
    }

    /// The content of row `t` of `table` in leaf format `format`: the binary form of its listed
    /// columns for verdicts and job events in format 2, else the row as JSON text in UTF-8
    /// (`ChainEntry.contentSQL`, format 1 and the other tables in format 2).
    private static func content(of table: String, format: ChainLeafFormat) -> String {
        guard format == .binary, let columns = binaryColumns[table] else {
            return "convert_to(\(ChainEntry.contentSQL("t")), 'UTF8')"
        }
        return "record_send(ROW(" + columns.map { "t.\($0)" }.joined(separator: ", ") + "))"
    }

    /// Leaf format 2 (migration 0013, "THE LEAF, v2" there — the same columns in the same order;
    /// for verdicts the match columns of 0012 included).
    static let binaryColumns: [String: [String]] = [
        "job_events": ["id", "job_id", "from_status", "to_status", "attempt", "worker_id", "reason", "created_at"],
        "verdicts": ["id", "job_id", "model_version", "preprocessing_profile", "reconstruction_error", "anomaly_score",
                     "classifier_confidence", "reconstruction_threshold", "anomaly_score_min", "classifier_confidence_min",
                     "reconstruction_passed", "anomaly_passed", "classifier_passed", "verdict", "worker_id", "decode_ms",
                     "preprocess_ms", "verify_ms", "preprocessed_png", "created_at", "image_sha256",
                     "match_score", "match_passed", "match_threshold", "match_model_version", "match_references",
                     "match_reference_ids", "match_reason"],
    ]
}
