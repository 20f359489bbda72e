import Foundation

/// Submission: many jobs in one transaction, one scan through `sigverify.enqueue_scan`, the limits.
extension JobQueue {
    /// The longest `external_ref` or idempotency key, in UTF-8 bytes: `sigverify.max_reference_bytes()` of migration 0009.
    public static let maxReferenceBytes = 1024

    /// Submits the jobs in multi-row statements (bytes sent in binary) inside one transaction,
    /// through `sigverify.submit_scan` (so a `sigverify_enqueuer` login needs no table privilege;
    /// a plain INSERT on a database migrated before 0009); returns their ids in input order — for a
    /// job whose idempotency key was already queued, that job's id.
    @discardableResult
    public func enqueue(_ jobs: [NewJob]) throws(PostgresError) -> [Int64] {
        try submit(jobs).map(\.id)
    }

    /// `enqueue`, saying for each job (in input order) whether it was created or its idempotency
    /// key was already queued. All or nothing: one transaction.
    public func submit(_ jobs: [NewJob]) throws(PostgresError) -> [EnqueuedJob] {
        guard !jobs.isEmpty else { return [] }
        return try db.transaction { (tx: PostgresConnection) throws(PostgresError) -> [EnqueuedJob] in
            let function = try Self.submitFunction(tx)
            let throughFunction = function != .none
            if !throughFunction, jobs.contains(where: { $0.idempotencyKey != nil }) {
                throw PostgresError(kind: .unexpectedResult,
                                    message: "idempotency keys need migration 0009 (run `sigverify migrate`)")
            }
            if function != .withSubject, jobs.contains(where: { $0.subject != nil }) {
                throw PostgresError(kind: .unexpectedResult, message: "subjects need migration 0012 (run `sigverify migrate`)")
            }
            var submitted: [EnqueuedJob] = []
            submitted.reserveCapacity(jobs.count)
            for range in Self.statementRanges(jobs) {
                submitted += try insert(jobs[range], function: function, tx)
            }
            return submitted
        }
    }

    /// The jobs split into statements of up to 1000 rows or ~64 MB of scans.
    static func statementRanges(_ jobs: [NewJob]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < jobs.count {
            var end = start, bytes = 0
            while end < jobs.count, end - start < 1000, bytes < 64 << 20 {
                bytes += jobs[end].image.count
                end += 1
            }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    /// Which `sigverify.submit_scan` the schema has.
    private enum SubmitFunction { case none, withKey, withSubject }

    /// `submit_scan` with `subject` (migration 0012), with `idempotency_key` only (0009), or none.
    private static func submitFunction(_ tx: PostgresConnection) throws(PostgresError) -> SubmitFunction {
        let found = try tx.execute("""
            SELECT to_regprocedure('sigverify.submit_scan(bytea, text, jsonb, integer, text, text, integer, integer, text, text)')
                       IS NOT NULL AS subject,
                   to_regprocedure('sigverify.submit_scan(bytea, text, jsonb, integer, text, text, integer, integer, text)')
                       IS NOT NULL AS key
            """)
        if try found.bool(0, "subject") == true { return .withSubject }
        return try found.bool(0, "key") == true ? .withKey : .none
    }

    /// `($b+1::t1, $b+2::t2, …)`: one VALUES row of typed parameters starting after `$b`.
    static func placeholders(_ types: [String], after b: Int) -> String {
        "(" + types.enumerated().map { "$\(b + $0.offset + 1)::\($0.element)" }.joined(separator: ", ") + ")"
    }

    private static let rowTypes = ["int", "bytea", "text", "text", "text", "jsonb", "int", "int", "int", "text", "bool", "text"]

    /// One VALUES row's parameters, `n` being the row's place in the statement.
    private static func parameters(_ job: NewJob, n: Int) -> [PostgresValue?] {
        var key: PostgresValue?
        if case .given(let given) = job.idempotencyKey { key = .text(given) }
        return [.int(n), .bytea(job.image), job.filename.map(PostgresValue.text), job.contentType.map(PostgresValue.text),
                job.externalRef.map(PostgresValue.text), .text(job.metadataJSON ?? "{}"), .int(job.priority),
                .int(job.page), job.maxAttempts.map(PostgresValue.int), key, .bool(job.idempotencyKey == .derived),
                job.subject.map(PostgresValue.text)]
    }

    private func insert(_ jobs: ArraySlice<NewJob>, function: SubmitFunction, _ tx: PostgresConnection) throws(PostgresError) -> [EnqueuedJob] {
        var values: [String] = []
        var params: [PostgresValue?] = []
        params.reserveCapacity(jobs.count * Self.rowTypes.count)
        for job in jobs {
            values.append(Self.placeholders(Self.rowTypes, after: params.count))
            params += Self.parameters(job, n: values.count)
        }
        // Plain VALUES (no sort that would materialise megabytes of scans): rows are submitted,
        // and identities drawn, in the order given. max_attempts NULL: the table's default (5).
        let rows = """
            (VALUES \(values.joined(separator: ", ")))
                AS v (n, image, filename, content_type, external_ref, metadata, priority, page, max_attempts, key, derive, subject)
            """
        // A subject is part of the derived key: the same file queued for another subject is another job.
        let subject = function == .withSubject ? ", v.subject" : ""
        let keyedRef = function == .withSubject
            ? "CASE WHEN v.subject IS NULL THEN v.external_ref ELSE coalesce(v.external_ref, '') || E'\\x1fsubject:' || v.subject END"
            : "v.external_ref"
        let sql = function != .none ? """
            SELECT s.job_id AS id, s.created, v.n
            FROM \(rows)
            CROSS JOIN LATERAL sigverify.submit_scan(v.image, v.external_ref, v.metadata, v.priority, v.filename,
                v.content_type, v.page, v.max_attempts,
                CASE WHEN v.derive THEN sigverify.scan_idempotency_key(v.image, v.page, \(keyedRef)) ELSE v.key END\(subject)) s
            """ : """
            INSERT INTO sigverify.jobs (image, filename, content_type, external_ref, metadata, priority, page, max_attempts)
            SELECT v.image, v.filename, v.content_type, v.external_ref, v.metadata, v.priority, v.page, coalesce(v.max_attempts, 5)
            FROM \(rows)
            RETURNING id, true AS created, id AS n
            """
        return try Self.submitted(try tx.execute(sql, params))
    }

    /// The rows of `insert`'s statement as jobs, in input order.
    private static func submitted(_ result: QueryResult) throws(PostgresError) -> [EnqueuedJob] {
        var rows: [(n: Int, job: EnqueuedJob)] = []
        for r in 0..<result.count {
            guard let id = try result.int(r, "id"), let n = try result.int(r, "n"), let created = try result.bool(r, "created") else {
                throw PostgresError(kind: .unexpectedResult, message: "NULL id")
            }
            rows.append((n, EnqueuedJob(id: Int64(id), created: created)))
        }
        return rows.sorted { $0.n < $1.n }.map(\.job)
    }

    /// Submits one scan through the documented SQL function `sigverify.enqueue_scan`; with an
    /// `idempotencyKey` already queued (for the same bytes), returns that job's id.
    public func enqueueScan(_ image: [UInt8], externalRef: String? = nil, metadataJSON: String? = nil,
                            priority: Int = 0, idempotencyKey: String? = nil, subject: String? = nil) throws(PostgresError) -> Int64 {
        var named: [String] = []
        var extra: [PostgresValue?] = []
        if let idempotencyKey { (named, extra) = (named + ["idempotency_key => $\(5 + extra.count)"], extra + [.text(idempotencyKey)]) }
        if let subject { (named, extra) = (named + ["subject => $\(5 + extra.count)"], extra + [.text(subject)]) }
        let result = try db.execute("SELECT sigverify.enqueue_scan(\((["$1", "$2", "$3::jsonb", "$4"] + named).joined(separator: ", "))) AS id",
                                    [.bytea(image), externalRef.map(PostgresValue.text),
                                     .text(metadataJSON ?? "{}"), .int(priority)] + extra)
        guard let id = try result.int(0, "id") else { throw PostgresError(kind: .unexpectedResult, message: "NULL id") }
        return Int64(id)
    }

    /// The largest scan the table accepts (`sigverify.max_scan_bytes()`); the built-in default on a
    /// database migrated before the limit existed.
    public func maxScanBytes() throws(PostgresError) -> Int {
        do {
            return try db.execute("SELECT sigverify.max_scan_bytes() AS bytes").int(0, "bytes") ?? Self.defaultMaxScanBytes
        } catch where error.sqlState == "42883" {  // undefined_function
            return Self.defaultMaxScanBytes
        }
    }
}
