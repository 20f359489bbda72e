import Digest

/// Subjects and their reference signatures (migration 0012): enrolment and revocation (as a
/// `sigverify_enroller` login), the references a worker matches against, the embedding cache.
extension JobQueue {
    /// Enrols one reference of `subject` through `sigverify.enrol_reference`; its check job is
    /// queued in the same transaction and a worker's verdict on it makes it `active` or `refused`.
    public func enrol(subject: String, image: [UInt8], filename: String? = nil, replaces: Int64? = nil) throws(PostgresError) -> Enrolment {
        let result = try db.execute("""
            SELECT reference_id, check_job_id, created FROM sigverify.enrol_reference($1, $2, $3, $4::bigint)
            """, [.text(subject), .bytea(image), filename.map(PostgresValue.text), replaces.map { .int($0) }])
        guard let id = try result.int(0, "reference_id"), let job = try result.int(0, "check_job_id"),
              let created = try result.bool(0, "created") else {
            throw PostgresError(kind: .unexpectedResult, message: "enrol_reference returned no reference")
        }
        return Enrolment(referenceId: Int64(id), checkJobId: Int64(job), created: created)
    }

    /// Revokes a reference with its reason (a new row of `reference_events`); false when it was
    /// revoked already.
    @discardableResult
    public func revokeReference(_ id: Int64, reason: String) throws(PostgresError) -> Bool {
        try db.execute("SELECT sigverify.revoke_reference($1, $2) AS revoked", [.int(id), .text(reason)]).bool(0, "revoked") ?? false
    }

    /// The references of `subject` (every subject when nil) with their derived status, by id.
    public func referenceStatuses(subject: String? = nil) throws(PostgresError) -> [ReferenceStatus] {
        let r = try db.execute("""
            SELECT id, subject, check_job_id, status, reason FROM sigverify.reference_status
            WHERE $1::text IS NULL OR subject = $1 ORDER BY id
            """, [subject.map(PostgresValue.text)])
        return try (0..<r.count).map { (i) throws(PostgresError) in
            ReferenceStatus(id: try r.required(i, "id"), subject: try r.required(i, "subject"),
                            checkJobId: try r.required(i, "check_job_id"), status: try r.required(i, "status"),
                            reason: try r.string(i, "reason"))
        }
    }

    /// The active references of `subjects`, one query (`sigverify.active_references`, which a
    /// worker may call): each with its embedding cached for `modelVersion`, or its bytes when none
    /// is (fetched in binary).
    public func activeReferences(of subjects: Set<String>, modelVersion: String) throws(PostgresError) -> [String: [EnrolledReference]] {
        guard !subjects.isEmpty else { return [:] }
        let result = try db.executeBinary("""
            SELECT id, convert_to(subject, 'UTF8') AS subject, embedding, image
            FROM sigverify.active_references($1::text[], $2)
            """, [.text(Self.textArray(subjects.sorted())), .text(modelVersion)])
        var references: [String: [EnrolledReference]] = [:]
        for r in 0..<result.count {
            guard let id = try result.int64(r, "id"), let subject = try result.bytes(r, "subject") else { continue }
            let embedding = try result.bytes(r, "embedding").flatMap(ReferenceEmbedding.floats)
            references[String(decoding: subject, as: UTF8.self), default: []]
                .append(EnrolledReference(id: id, embedding: embedding, image: try result.bytes(r, "image")))
        }
        return references
    }

    /// Fills in the references of the claimed jobs that name a subject (see `activeReferences`);
    /// nothing without a `writerModelVersion`.
    public func attachReferences(_ jobs: inout [ClaimedJob], writerModelVersion: String?) throws(PostgresError) {
        guard let writerModelVersion else { return }
        let subjects = Set(jobs.compactMap(\.subject))
        guard !subjects.isEmpty else { return }
        let references = try activeReferences(of: subjects, modelVersion: writerModelVersion)
        for i in jobs.indices { jobs[i].references = jobs[i].subject.flatMap { references[$0] } ?? [] }
    }

    /// Caches embeddings computed under `modelVersion` (`sigverify.cache_embeddings`); one already
    /// cached for a reference and version is kept. Returns how many were added.
    @discardableResult
    public func cacheEmbeddings(_ embeddings: [ReferenceEmbedding], modelVersion: String, workerId: String,
                                _ tx: PostgresConnection? = nil) throws(PostgresError) -> Int {
        guard !embeddings.isEmpty else { return 0 }
        let ids = "{" + embeddings.map { String($0.referenceId) }.joined(separator: ",") + "}"
        let bytes = "{" + embeddings.map { "\"\\\\x" + SHA256.hex($0.bytes) + "\"" }.joined(separator: ",") + "}"
        return try (tx ?? db).execute("""
            SELECT sigverify.cache_embeddings($1, $2, $3::bigint[], $4::bytea[]) AS added
            """, [.text(workerId), .text(modelVersion), .text(ids), .text(bytes)]).int(0, "added") ?? 0
    }

    /// The embeddings the batch's matches computed, per writer-model version, each reference once.
    static func newEmbeddings(_ records: [VerdictRecord]) -> [String: [ReferenceEmbedding]] {
        var byVersion: [String: [Int64: ReferenceEmbedding]] = [:]
        for record in records {
            guard let match = record.match, let version = match.modelVersion else { continue }
            for e in match.newEmbeddings { byVersion[version, default: [:]][e.referenceId] = e }
        }
        return byVersion.mapValues { $0.values.sorted { $0.referenceId < $1.referenceId } }
    }

    /// The match columns of `verdict_input` (migration 0012): all NULL without a match.
    static func matchParameters(_ match: MatchRecord?) -> [PostgresValue?] {
        guard let match else { return [nil, nil, nil, nil, nil, nil] }
        let ids = match.score == nil ? nil : "{" + match.referenceIds.map(String.init).joined(separator: ",") + "}"
        return [match.score.map(PostgresValue.double), match.passed.map(PostgresValue.bool),
                match.threshold.map(PostgresValue.double), match.modelVersion.map(PostgresValue.text),
                ids.map(PostgresValue.text), match.reason.map(PostgresValue.text)]
    }

    /// A PostgreSQL array literal of text values, each quoted.
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
