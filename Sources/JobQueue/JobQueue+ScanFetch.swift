import Logging

extension JobQueue {
    /// Scan bytes a batch holds at most by default: with the worker's default pixel budget a loop
    /// stays well under 1 GB (see the README's memory table). One job is always claimed, whatever
    /// its size (up to `maxScanBytes`).
    public static let defaultBatchBytes = 128 << 20

    /// Scan bytes fetched per statement at most (one larger scan is fetched alone).
    public static let fetchBatchBytes = 64 << 20

    /// Fills in the claimed jobs' scans, in binary, in statements of at most `fetchBatchBytes` —
    /// so no one scan can fail the fetch of the others. A scan over `maxScanBytes` is not fetched at
    /// all (its job gets `ScanFailure.tooLarge`), and a scan the server cannot return fails its own
    /// job. Only connection trouble is thrown. `sizes` are the jobs' `octet_length(image)` (nil: no
    /// bytes, e.g. pruned).
    func fetchImages(_ jobs: inout [ClaimedJob], sizes: [Int64: Int], maxScanBytes: Int,
                     workerId: String) throws(PostgresError) {
        var wanted: [(index: Int, size: Int)] = []
        for (index, job) in jobs.enumerated() {
            guard let size = sizes[job.id] else { continue }
            if size > maxScanBytes {
                jobs[index].imageFailure = .tooLarge(bytes: size, limit: maxScanBytes)
            } else {
                wanted.append((index, size))
            }
        }
        for group in Self.fetchGroups(wanted) {
            do {
                try fetch(group, into: &jobs, workerId: workerId)
            } catch {
                guard !error.isConnectionProblem else { throw error }
                try fetchOneByOne(group, into: &jobs, workerId: workerId)
            }
        }
    }

    /// Consecutive runs of jobs whose sizes add up to at most `fetchBatchBytes` (at least one each).
    static func fetchGroups(_ wanted: [(index: Int, size: Int)]) -> [[Int]] {
        var groups: [[Int]] = []
        var current: [Int] = [], bytes = 0
        for item in wanted {
            if !current.isEmpty, bytes + item.size > fetchBatchBytes {
                groups.append(current)
                (current, bytes) = ([], 0)
            }
            current.append(item.index)
            bytes += item.size
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// After a group's fetch failed: each job alone, so the failure lands on the scan that caused it.
    private func fetchOneByOne(_ group: [Int], into jobs: inout [ClaimedJob], workerId: String) throws(PostgresError) {
        for index in group {
            do {
                try fetch([index], into: &jobs, workerId: workerId)
            } catch {
                guard !error.isConnectionProblem else { throw error }
                let reason = "cannot fetch the scan's bytes: \(error)"
                jobs[index].imageFailure = error.isTransient ? .transient(reason) : .permanent(reason)
                logger.warning("scan fetch failed", metadata: ["job": "\(jobs[index].id)", "error": "\(error)"])
            }
        }
    }

    /// One binary SELECT for the jobs at `indices`, still leased to `workerId`.
    private func fetch(_ indices: [Int], into jobs: inout [ClaimedJob], workerId: String) throws(PostgresError) {
        let ids = "{" + indices.map { String(jobs[$0].id) }.joined(separator: ",") + "}"
        let result = try db.executeBinary("""
            SELECT id, image FROM sigverify.jobs
            WHERE id = ANY($1::bigint[]) AND status = 'running' AND lease_owner = $2
            """, [.text(ids), .text(workerId)])
        var images: [Int64: [UInt8]] = [:]
        for r in 0..<result.count {
            if let id = try result.int64(r, "id") { images[id] = try result.bytes(r, "image") }
        }
        for index in indices { jobs[index].image = images[jobs[index].id] }
    }
}
