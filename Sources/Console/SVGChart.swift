import Foundation

/// Inline SVG: presentation attributes only, no style, so the strict Content-Security-Policy holds.
enum SVGChart {
    /// Jobs finished per minute over the last hour: succeeded (green) stacked under failed (red).
    static func throughput(_ minutes: [MinuteCount]) -> String {
        let width = 600.0, height = 120.0, barWidth = width / Double(max(1, minutes.count))
        let peak = max(1, minutes.map { $0.succeeded + $0.failed }.max() ?? 1)
        var bars = ""
        for (i, m) in minutes.enumerated() {
            let x = Double(i) * barWidth
            let ok = height * Double(m.succeeded) / Double(peak), bad = height * Double(m.failed) / Double(peak)
            let ago = minutes.count - 1 - i
            let label = (ago == 0 ? "this minute" : "\(ago) min ago") + ": \(m.succeeded) succeeded, \(m.failed) failed"
            bars += "<g><title>\(escapeHTML(label))</title>"
                + rect(x: x + 1, y: height - ok, width: barWidth - 2, height: ok, fill: "#2e8b57")
                + rect(x: x + 1, y: height - ok - bad, width: barWidth - 2, height: bad, fill: "#c0392b") + "</g>"
        }
        return """
            <svg id="throughput" xmlns="http://www.w3.org/2000/svg" width="640" height="150" viewBox="-4 -14 648 164" role="img" \
            aria-label="jobs finished per minute, last hour">\
            <rect x="0" y="0" width="\(width)" height="\(height)" fill="#ffffff" stroke="#dde2e8"/>\(bars)\
            <text x="0" y="-3" font-size="11" fill="#4a5562">\(peak)/min</text>\
            <text x="0" y="\(height + 14)" font-size="11" fill="#4a5562">60 min ago</text>\
            <text x="\(width)" y="\(height + 14)" font-size="11" fill="#4a5562" text-anchor="end">now</text></svg>
            """
    }

    /// A score on a bar from the lower end of the scale, with its threshold as a line: green when
    /// the criterion passed, red when not.
    static func scoreBar(_ score: CriterionScore) -> String {
        let low = min(0, score.value, score.threshold)
        var high = max(score.value, score.threshold, low + 1e-9)
        high += (high - low) * 0.15
        let width = 320.0, scale = { (v: Double) in width * (v - low) / (high - low) }
        let fill = score.passed ? "#2e8b57" : "#c0392b"
        let mark = scale(score.threshold)
        return """
            <svg class="bar" xmlns="http://www.w3.org/2000/svg" width="330" height="28" viewBox="0 0 330 28" role="img" \
            aria-label="\(escapeHTML(score.name)) \(format(score.value)), threshold \(format(score.threshold))">\
            <rect x="0" y="6" width="\(width)" height="14" fill="#eef1f5"/>\
            \(rect(x: 0, y: 6, width: scale(score.value), height: 14, fill: fill))\
            <line x1="\(format(mark))" y1="1" x2="\(format(mark))" y2="26" stroke="#1d232a" stroke-width="2"/></svg>
            """
    }

    private static func rect(x: Double, y: Double, width: Double, height: Double, fill: String) -> String {
        guard height > 0, width > 0 else { return "" }
        return "<rect x=\"\(format(x))\" y=\"\(format(y))\" width=\"\(format(width))\" height=\"\(format(height))\" fill=\"\(fill)\"/>"
    }

    static func format(_ value: Double) -> String { String(format: "%.4g", value) }
}
