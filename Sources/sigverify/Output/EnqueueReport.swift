import Foundation
import JobQueue

/// What `sigverify enqueue` prints about a run: one summary line on stdout, refusals and the
/// account of a stopped run on stderr.
struct EnqueueReport {
    let summary: FileEnqueuer.Summary
    let idempotent: Bool

    /// `enqueued N scans: A new (job ids …), B already queued (job ids …); X MB in T s (R scans/s)`.
    var line: String {
        let s = summary
        let total = s.created.count + s.alreadyQueued.count
        let rate = s.seconds > 0 ? Double(total) / s.seconds : 0
        return "enqueued \(total) scans: \(s.created.count) new\(Self.ids(s.created)), "
            + "\(s.alreadyQueued.count) already queued\(Self.ids(s.alreadyQueued)); "
            + "\(String(format: "%.1f", Double(s.bytes) / 1_048_576)) MB in \(String(format: "%.2f", s.seconds)) s (\(Int(rate)) scans/s)"
            + (s.refused.isEmpty ? "" : "; \(s.refused.count) refused")
            + (s.stop == nil ? "" : "; stopped (\(s.stop!)), \(s.notSubmitted.count) not submitted")
    }

    var errorLines: [String] {
        summary.refused.map { "refused \($0.path): \($0.reason)" } + stopLines
    }

    private var stopLines: [String] {
        guard let stop = summary.stop else { return [] }
        let rerun = idempotent
            ? "run the same command again: files already queued are not queued twice"
            : "--allow-duplicates was given: submit only the files not submitted, or they are queued twice"
        return ["enqueue stopped: \(stop)",
                "committed before the stop: \(summary.created.count) new jobs\(Self.ids(summary.created)); "
                    + "nothing of the batch in progress was committed",
                "not submitted: \(summary.notSubmitted.count) files, from \(summary.notSubmitted.first ?? "-"); \(rerun)"]
    }

    /// nil: success. 128 + signal when interrupted, 1 for a failure or a refusal.
    func exitCode(signal: Int32?) -> Int32? {
        if case .interrupted = summary.stop { return 128 + (signal ?? 15) }
        return summary.stop != nil || !summary.refused.isEmpty ? 1 : nil
    }

    /// ` (job ids 3…7, 9)`: sorted ids as runs of consecutive ones; empty for none.
    static func ids(_ ids: [Int64]) -> String {
        guard !ids.isEmpty else { return "" }
        var runs: [ClosedRange<Int64>] = []
        for id in Set(ids).sorted() {
            if let last = runs.last, last.upperBound + 1 == id {
                runs[runs.count - 1] = last.lowerBound...id
            } else {
                runs.append(id...id)
            }
        }
        return " (job ids " + runs.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)…\($0.upperBound)" }
            .joined(separator: ", ") + ")"
    }
}
