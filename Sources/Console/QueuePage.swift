import JobQueue

/// `/`: depth by status, the oldest queued job, throughput over the last hour, workers, failures.
enum QueuePage {
    static func render(_ overview: QueueOverview) -> String {
        let tiles = overview.status.depth.map { row in
            "<div class=\"tile\" id=\"depth-\(escapeHTML(row.status))\">\(escapeHTML(row.status))<b>\(row.jobs)</b></div>"
        }.joined()
        let oldest = overview.oldestQueuedSeconds.map { "oldest queued job waiting \(duration($0))" } ?? "no job waiting"
        let finished = overview.lastHour.reduce(0) { $0 + $1.succeeded + $1.failed }
        return """
            <div class="tiles">\(tiles)</div>
            <p id="oldest">\(escapeHTML(oldest))</p>
            <h2>Throughput, last hour</h2>
            <p id="finished-last-hour">\(finished) jobs finished in the last hour</p>
            \(SVGChart.throughput(overview.lastHour))
            <h2>Workers</h2>
            \(workers(overview.status.workers))
            <h2>Recent failures</h2>
            \(failures(overview.failures))
            """
    }

    private static func workers(_ rows: [WorkerRow]) -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">No worker seen in the last hour.</p>" }
        return HTMLPage.table(["worker", "host", "pid", "state", "last heartbeat", "loops", "leased jobs", "model"], rows.map { w in
            [escapeHTML(w.workerId), escapeHTML(w.hostname), "\(w.pid)",
             "<span class=\"\(escapeHTML(w.state.rawValue))\">\(escapeHTML(w.state.rawValue))</span>",
             escapeHTML(duration(w.heartbeatAgeSeconds) + " ago"), "\(w.concurrency)", "\(w.leasedJobs)", escapeHTML(w.modelVersion ?? "")]
        }, id: "workers")
    }

    private static func failures(_ rows: [JobFailure]) -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">No failed job.</p>" }
        return HTMLPage.table(["job", "scan", "attempts", "failed at (UTC)", "reason"], rows.map { f in
            ["<a href=\"/verdicts/\(f.jobId)\">\(f.jobId)</a>", escapeHTML(f.reference), "\(f.attempts)", escapeHTML(f.failedAt),
             escapeHTML(f.reason)]
        }, id: "failures")
    }

    static func duration(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: return "\(Int(seconds.rounded())) s"
        case ..<7200: return "\(Int((seconds / 60).rounded())) min"
        default: return "\(Int((seconds / 3600).rounded())) h"
        }
    }
}
