import Imaging
import JobQueue
import NeuralNet

/// The writer match of a processed batch: for each job with a subject and a verdict, its signature
/// against the subject's active references (claimed with the batch) through the `SubjectMatcher`,
/// written as the verdict's match columns. Embeddings of references not cached for the matcher's
/// version are computed once per batch and handed to the write (`MatchRecord.newEmbeddings`).
/// A job with a subject but no matcher or no active references keeps its verdict, with the match
/// NULL and the reason; a matcher that fails or scores outside [0, 1] fails the job as transient
/// (another attempt, perhaps on a sound model), as a broken verifier does.
struct SubjectMatching: Sendable {
    let matcher: (any SubjectMatcher)?
    let decodeOptions: DecodeOptions

    func apply(to outcomes: [ScanOutcome], of jobs: [ClaimedJob]) -> [ScanOutcome] {
        let matched = jobs.indices.filter { jobs[$0].subject != nil && outcomes[$0].verdict != nil }
        guard !matched.isEmpty else { return outcomes }
        var outcomes = outcomes
        guard let matcher else {
            for i in matched { outcomes[i].setMatch(.unmatched(MatchRecord.noWriterModel)) }
            return outcomes
        }
        let scored = matched.filter { !jobs[$0].references.isEmpty }
        for i in matched where jobs[i].references.isEmpty {
            outcomes[i].setMatch(.unmatched(MatchRecord.noReferences, modelVersion: matcher.version, threshold: matcher.threshold))
        }
        do {
            let records = try Scoring(matcher: matcher, decodeOptions: decodeOptions).matches(scored.map { jobs[$0] })
            for (i, record) in zip(scored, records) { outcomes[i].setMatch(record) }
        } catch {
            for i in scored { outcomes[i] = .failure(.transient("writer match failed: \(error)")) }
        }
        return outcomes
    }
}

/// Why a batch's match could not be computed (its jobs are retried).
enum SubjectMatchError: Error, CustomStringConvertible {
    case embeddingCount(expected: Int, got: Int)
    case scoreOutOfRange(Double)
    case undecodable(String)
    case nonFiniteEmbedding

    var description: String {
        switch self {
        case .embeddingCount(let expected, let got): return "the writer model returned \(got) embeddings for \(expected) scans"
        case .scoreOutOfRange(let score): return "the writer model scored \(score), outside [0, 1]"
        case .undecodable(let reason): return reason
        case .nonFiniteEmbedding: return "the writer model returned an empty or non-finite embedding"
        }
    }
}

/// One batch's scoring: embeddings of the uncached references and of the questioned scans, each
/// in one call of the model, then one score per job.
private struct Scoring {
    let matcher: any SubjectMatcher
    let decodeOptions: DecodeOptions

    /// One record per job, in order.
    func matches(_ jobs: [ClaimedJob]) throws -> [MatchRecord] {
        let computed = try referenceEmbeddings(jobs)
        let questioned = try embed(jobs.map { ($0.image ?? [], $0.page) })
        return try zip(jobs, questioned).map { job, embedding in
            let usable = job.references.filter { $0.embedding != nil || computed[$0.id] != nil }
            guard !usable.isEmpty else {
                return .unmatched("no active reference could be decoded", modelVersion: matcher.version, threshold: matcher.threshold)
            }
            let score = matcher.matchScore(questioned: embedding, references: usable.map { $0.embedding ?? computed[$0.id]! })
            guard score.isFinite, (0...1).contains(score) else { throw SubjectMatchError.scoreOutOfRange(score) }
            let fresh = usable.compactMap { ref in computed[ref.id].map { ReferenceEmbedding(referenceId: ref.id, embedding: $0) } }
            return .scored(score, threshold: matcher.threshold, modelVersion: matcher.version,
                           referenceIds: usable.map(\.id), newEmbeddings: fresh)
        }
    }

    /// The batch's references without a cached embedding, each decoded once; one that does not
    /// decode is left out of its subject's match.
    private func referenceEmbeddings(_ jobs: [ClaimedJob]) throws -> [Int64: [Float]] {
        var uncached: [Int64: [UInt8]] = [:]
        for job in jobs { for ref in job.references where ref.embedding == nil { uncached[ref.id] = ref.image } }
        let ids = uncached.keys.sorted()
        let images = decode(ids.map { (uncached[$0] ?? [], 0) })
        let decoded = ids.indices.filter { images[$0] != nil }
        let embeddings = try checkedEmbeddings(decoded.map { images[$0]! })
        return Dictionary(uniqueKeysWithValues: zip(decoded.map { ids[$0] }, embeddings))
    }

    /// The questioned scans' embeddings (they decoded once already for their verdict).
    private func embed(_ scans: [(bytes: [UInt8], page: Int)]) throws -> [[Float]] {
        let images = decode(scans)
        if let failed = images.firstIndex(where: { $0 == nil }) {
            throw SubjectMatchError.undecodable("questioned scan \(failed + 1) of the batch no longer decodes")
        }
        return try checkedEmbeddings(images.map { $0! })
    }

    private func checkedEmbeddings(_ images: [GrayImage]) throws -> [[Float]] {
        guard !images.isEmpty else { return [] }
        let embeddings = try matcher.embeddings(of: images)
        guard embeddings.count == images.count else {
            throw SubjectMatchError.embeddingCount(expected: images.count, got: embeddings.count)
        }
        // Never cache (or score with) an embedding a broken model produced.
        guard embeddings.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isFinite) }) else { throw SubjectMatchError.nonFiniteEmbedding }
        return embeddings
    }

    /// Decodes the scans over the cores (nil: does not decode).
    private func decode(_ scans: [(bytes: [UInt8], page: Int)]) -> [GrayImage?] {
        Parallel.map(scans.count) { i in
            var options = decodeOptions
            options.page = scans[i].page
            return try? ImageDecoder(options: options).decode(scans[i].bytes)
        }
    }
}

extension ScanOutcome {
    /// The verdict of a success, nil for a failure.
    var verdict: VerdictRecord? {
        if case .success(let record) = self { return record }
        return nil
    }

    /// The same success with `match` (a failure stays as it is).
    func withMatch(_ match: MatchRecord) -> ScanOutcome {
        guard var record = verdict else { return self }
        record.match = match
        return .success(record)
    }

    mutating func setMatch(_ match: MatchRecord) { self = withMatch(match) }
}
