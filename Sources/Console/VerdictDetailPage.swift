/// `/verdicts/{job_id}`: the scan (while kept), the network input, each criterion on a bar with
/// its threshold, the model version, the job's events as a timeline and the verdict's place in
/// the audit chain.
enum VerdictDetailPage {
    static func render(_ detail: VerdictDetail) -> String {
        let job = detail.job
        let facts: [(String, String)] = [
            ("status", "<span class=\"\(escapeHTML(job.status))\" id=\"job-status\">\(escapeHTML(job.status))</span>"),
            ("file name", "<span id=\"filename\">\(escapeHTML(job.filename ?? "—"))</span>"),
            ("external reference", "<span id=\"external-ref\">\(escapeHTML(job.externalRef ?? "—"))</span>"),
            ("metadata", "<code>\(escapeHTML(job.metadata))</code>"),
            ("submitted (UTC)", escapeHTML(job.createdAt)), ("attempts", "\(job.attempts)"),
            ("scan bytes", job.imageSize.map { "\($0)" } ?? "—"),
        ] + (job.lastError.map { [("last error", "<span id=\"last-error\">\(escapeHTML($0))</span>")] } ?? [])
        return """
            \(HTMLPage.table(["", ""], facts.map { ["<b>\(escapeHTML($0.0))</b>", $0.1] }, id: "job"))
            \(detail.scores.map { scores(job: job, $0, chainHead: detail.chainHead) } ?? "<p class=\"muted\" id=\"no-verdict\">No verdict for this job.</p>")
            <h2>Events</h2>
            \(timeline(detail.events))
            """
    }

    private static func scores(job: JobFacts, _ scores: VerdictScores, chainHead: Int64) -> String {
        let scan = job.hasScan
            ? "<img class=\"scan\" id=\"scan\" src=\"/verdicts/\(job.id)/scan.png\" alt=\"the scan as submitted (grayscale)\">"
            : "<p class=\"muted\" id=\"scan-pruned\">The scan's bytes were pruned; its verdict and events stay.</p>"
        let rows = scores.criteria.map { c in
            [escapeHTML(c.name), "<span class=\"num\">\(escapeHTML(SVGChart.format(c.value)))</span>",
             escapeHTML((c.passesBelow ? "≤ " : "≥ ") + SVGChart.format(c.threshold)),
             "<span class=\"\(c.passed ? "valid" : "invalid")\">\(c.passed ? "pass" : "FAIL")</span>", SVGChart.scoreBar(c)]
        }
        let place = scores.chainSeq.map { "place \($0) of \(chainHead)" } ?? "not in the chain"
        return """
            <p>Verdict: <span class="\(escapeHTML(scores.verdict))" id="verdict">\(escapeHTML(scores.verdict))</span> ·
            model <code id="model-version">\(escapeHTML(scores.modelVersion))</code> · profile \(escapeHTML(scores.profile)) ·
            worker \(escapeHTML(scores.worker)) · \(escapeHTML(scores.createdAt)) UTC</p>
            <div class="images"><figure>\(scan)<figcaption>the scan</figcaption></figure>
            <figure><img class="input" id="input" src="/verdicts/\(job.id)/input.png" alt="the network input">\
            <figcaption>what the networks saw</figcaption></figure></div>
            <h2>Criteria</h2>
            \(HTMLPage.table(["criterion", "score", "threshold", "", ""], rows, id: "criteria"))
            <h2>Audit chain</h2>
            <p id="chain-place">\(escapeHTML(place)) · sealed under hash <code>\(escapeHTML(scores.chainHash ?? "—"))</code></p>
            """
    }

    private static func timeline(_ events: [JobEvent]) -> String {
        HTMLPage.table(["time (UTC)", "from", "to", "attempt", "worker", "reason", "chain place"], events.map { e in
            [escapeHTML(e.createdAt), escapeHTML(e.from ?? "—"), "<span class=\"\(escapeHTML(e.to))\">\(escapeHTML(e.to))</span>",
             "\(e.attempt)", escapeHTML(e.worker ?? ""), escapeHTML(e.reason ?? ""), e.chainSeq.map { "\($0)" } ?? "—"]
        }, id: "events")
    }
}
