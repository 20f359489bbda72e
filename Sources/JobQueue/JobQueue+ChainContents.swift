/// The contents the audit chain's links hash, read back from the rows as stored.
extension JobQueue {
    /// The content the chain hashes (after `"table:id:"`) of each of `entries` still stored (a
    /// deleted row is absent), in leaf format `format`, rendered with built-in functions only,
    /// never the schema's own (as `chainRows` does).
    public func chainContents(of entries: [ChainEntry], format: ChainLeafFormat) throws(PostgresError) -> [ChainEntry: [UInt8]] {
        func ids(_ table: String) -> PostgresValue {
            .text("{" + entries.filter { $0.table == table }.map { String($0.id) }.joined(separator: ",") + "}")
        }
        let sql = format == .json ? Self.jsonContents : Self.binaryContents
        let result = try db.executeBinary(sql, [ids("job_events"), ids("verdicts")])
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

    /// Leaf format 1 (migration 0011): the row as JSON text, in UTF-8.
    private static let jsonContents = """
        SELECT 'job_events' AS table_name, t.id, convert_to((to_jsonb(t) - 'chain_seq' - 'chain_hash')::text, 'UTF8') AS content
        FROM sigverify.job_events t WHERE t.id = ANY($1::bigint[])
        UNION ALL
        SELECT 'verdicts', t.id, convert_to((to_jsonb(t) - 'chain_seq' - 'chain_hash')::text, 'UTF8')
        FROM sigverify.verdicts t WHERE t.id = ANY($2::bigint[])
        """

    /// Leaf format 2 (migration 0013, "THE LEAF, v2" there — the same columns in the same order).
    private static let binaryContents = """
        SELECT 'job_events' AS table_name, t.id, record_send(ROW(
            t.id, t.job_id, t.from_status, t.to_status, t.attempt, t.worker_id, t.reason, t.created_at)) AS content
        FROM sigverify.job_events t WHERE t.id = ANY($1::bigint[])
        UNION ALL
        SELECT 'verdicts', t.id, record_send(ROW(
            t.id, t.job_id, t.model_version, t.preprocessing_profile, t.reconstruction_error, t.anomaly_score,
            t.classifier_confidence, t.reconstruction_threshold, t.anomaly_score_min, t.classifier_confidence_min,
            t.reconstruction_passed, t.anomaly_passed, t.classifier_passed, t.verdict, t.worker_id, t.decode_ms,
            t.preprocess_ms, t.verify_ms, t.preprocessed_png, t.created_at, t.image_sha256))
        FROM sigverify.verdicts t WHERE t.id = ANY($2::bigint[])
        """
}
