/// The one escaping function: every string that reaches a page — submitted file names,
/// references, metadata, reasons, and our own text alike — goes through it, in element content
/// and in (always double-quoted) attribute values.
func escapeHTML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// The page around every view: title, navigation, and the stylesheet (a file: the
/// Content-Security-Policy allows no inline style or script at all).
enum HTMLPage {
    static let sections = [("/", "Queue"), ("/verdicts", "Verdicts"), ("/audit", "Audit")]

    static func render(title: String, section: String, body: String) -> String {
        let nav = sections.map { path, name in
            "<a href=\"\(escapeHTML(path))\"\(path == section ? " class=\"here\"" : "")>\(escapeHTML(name))</a>"
        }.joined(separator: " ")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escapeHTML(title)) · sigverify console</title>
            <link rel="stylesheet" href="/console.css"></head>
            <body><header><span class="brand">sigverify</span> <nav>\(nav)</nav><span class="role">read-only · sigverify_auditor</span></header>
            <main><h1>\(escapeHTML(title))</h1>
            \(body)
            </main></body></html>
            """
    }

    /// A table: header cells (none when all are empty) and rows of already-rendered cells.
    static func table(_ headers: [String], _ rows: [[String]], id: String) -> String {
        let head = headers.allSatisfy(\.isEmpty) ? "" : "<thead><tr>" + headers.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead>"
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table id=\"\(escapeHTML(id))\">\(head)<tbody>\n\(body)\n</tbody></table>"
    }

    static func stylesheet() -> String {
        """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f6f7f9; }
        header { background: #1d2b3a; color: #fff; padding: 10px 24px; display: flex; gap: 24px; align-items: center; }
        header a { color: #cfe3ff; text-decoration: none; margin-right: 14px; }
        header a.here { color: #fff; font-weight: 600; border-bottom: 2px solid #7fb4ff; }
        .brand { font-weight: 700; letter-spacing: .04em; } .role { margin-left: auto; color: #9fb3c8; font-size: 12px; }
        main { padding: 16px 24px; max-width: 1200px; }
        h1 { font-size: 20px; margin: 4px 0 14px; } h2 { font-size: 16px; margin: 22px 0 8px; }
        table { border-collapse: collapse; background: #fff; margin-bottom: 10px; }
        th, td { border: 1px solid #dde2e8; padding: 4px 8px; text-align: left; vertical-align: middle; }
        th { background: #eef1f5; font-weight: 600; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .valid { color: #17702e; font-weight: 600; } .invalid, .failed, .lost { color: #b3261e; font-weight: 600; }
        .running, .succeeded { color: #17702e; } .stopped { color: #6b7785; }
        .tiles { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
        .tile { background: #fff; border: 1px solid #dde2e8; padding: 8px 14px; min-width: 90px; }
        .tile b { display: block; font-size: 22px; }
        .thumb { width: 56px; height: 56px; image-rendering: pixelated; border: 1px solid #ccd; background: #fff; }
        .images { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
        .images figure { margin: 0; background: #fff; border: 1px solid #dde2e8; padding: 8px; }
        .scan { max-width: 640px; max-height: 480px; } .input { width: 224px; height: 224px; image-rendering: pixelated; }
        form.filters { background: #fff; border: 1px solid #dde2e8; padding: 8px 10px; margin-bottom: 12px; display: flex; gap: 10px; flex-wrap: wrap; align-items: end; }
        form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #4a5562; }
        code, .mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
        .ok { color: #17702e; font-weight: 600; } .broken { color: #b3261e; font-weight: 600; }
        .pager a { margin-right: 12px; } .muted { color: #6b7785; }
        """
    }
}
