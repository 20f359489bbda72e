import Foundation
import JobQueue

/// `/audit`: the chain head as stored and the last verification run from this console.
enum AuditPage {
    static func render(head: ChainHead, last: AuditRun?) -> String {
        let result: String
        if let last {
            let verdict = last.audit.failure.map {
                "<p class=\"broken\" id=\"audit-result\">BROKEN at \(escapeHTML($0.description))</p>"
            } ?? "<p class=\"ok\" id=\"audit-result\">intact: \(last.audit.rows) places verified, head \(last.audit.headSeq)</p>"
            result = verdict + "<p class=\"muted\">verified \(escapeHTML(last.finished)) in \(String(format: "%.2f", last.seconds)) s " +
                "(read-only, one snapshot)</p>"
        } else {
            result = "<p class=\"muted\" id=\"audit-result\">not verified since this console started</p>"
        }
        return """
            <p>Chain head: place <b id="head-seq">\(head.seq)</b>, hash <code id="head-hash">\(escapeHTML(head.hashHex ?? "—"))</code></p>
            <p class="muted">As stored. Keep this hash outside the database (<code>sigverify audit --anchor</code>) to prove later that nothing up to it was rewritten.</p>
            <h2>Last verification</h2>
            \(result)
            <p><a href="/audit?verify=1" id="verify">Verify the chain now</a></p>
            """
    }
}

/// One verification of the chain from the console.
struct AuditRun {
    var audit: ChainAudit
    var finished: String
    var seconds: Double
}
