import Foundation
import JobQueue

extension QueryResult {
    /// `text` safe for a terminal: control characters (C0, DEL, C1 — escape sequences from
    /// submitter-controlled filenames or references among them) become visible `\u{…}` escapes.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) {
                out += "\\u{" + String(v, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The rows as an aligned text table (psql-like), for the CLI; control characters escaped.
    func renderTable() -> String {
        let cells = rows.map { $0.map { value -> String in
            let text = value.map(Self.printable) ?? "∅"
            return text.count > 80 ? String(text.prefix(77)) + "…" : text
        } }
        var widths = columns.map(\.count)
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ values: [String]) -> String {
            values.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: " │ ").trimmingCharacters(in: .whitespaces)
        }
        var out = [line(columns), widths.map { String(repeating: "─", count: $0) }.joined(separator: "─┼─")]
        out += cells.map(line)
        out.append("(\(rows.count) row\(rows.count == 1 ? "" : "s"))")
        return out.joined(separator: "\n")
    }
}
