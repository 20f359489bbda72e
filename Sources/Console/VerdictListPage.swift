/// `/verdicts`: the filter form, one page of verdicts with their network-input thumbnails, paging.
enum VerdictListPage {
    static func render(_ page: VerdictPage, filter: VerdictFilter, pageSize: Int) -> String {
        let pages = max(1, (page.total + pageSize - 1) / pageSize)
        let rows = page.rows.map { v in
            ["<a href=\"/verdicts/\(v.jobId)\"><img class=\"thumb\" src=\"/verdicts/\(v.jobId)/input.png\" alt=\"network input of job \(v.jobId)\"></a>",
             "<a href=\"/verdicts/\(v.jobId)\">\(v.jobId)</a>", escapeHTML(v.reference),
             "<span class=\"\(escapeHTML(v.verdict))\">\(escapeHTML(v.verdict))</span>",
             escapeHTML(v.failing.isEmpty ? "—" : v.failing.joined(separator: ", ")), "<code>\(escapeHTML(v.modelVersion))</code>",
             escapeHTML(v.createdAt)]
        }
        let table = rows.isEmpty ? "<p class=\"muted\" id=\"no-verdicts\">No verdict matches.</p>"
            : HTMLPage.table(["input", "job", "scan", "verdict", "failing criteria", "model", "judged (UTC)"], rows, id: "verdicts")
        return """
            \(form(filter))
            <p id="matches">\(page.total) verdicts match · page \(filter.page) of \(pages)</p>
            \(table)
            <p class="pager">\(link("← newer", filter, page: filter.page - 1, when: filter.page > 1))\
            \(link("older →", filter, page: filter.page + 1, when: filter.page < pages))</p>
            """
    }

    private static func form(_ filter: VerdictFilter) -> String {
        """
        <form class="filters" method="get" action="/verdicts">
        <label>verdict \(select("verdict", VerdictFilter.verdicts, filter.verdict))</label>
        <label>failing criterion \(select("criterion", VerdictFilter.criteria, filter.criterion))</label>
        <label>model version \(input("model", filter.model, type: "text"))</label>
        <label>from (UTC) \(input("from", filter.from, type: "date"))</label>
        <label>to (UTC) \(input("to", filter.to, type: "date"))</label>
        <label>external reference or file \(input("ref", filter.reference, type: "text"))</label>
        <button type="submit" id="apply">Filter</button> <a href="/verdicts">clear</a>
        </form>
        """
    }

    private static func select(_ name: String, _ options: [String], _ chosen: String?) -> String {
        let items = ([""] + options).map { option in
            "<option value=\"\(escapeHTML(option))\"\(option == (chosen ?? "") ? " selected" : "")>\(escapeHTML(option.isEmpty ? "any" : option))</option>"
        }.joined()
        return "<select name=\"\(escapeHTML(name))\" id=\"\(escapeHTML(name))\">\(items)</select>"
    }

    private static func input(_ name: String, _ value: String?, type: String) -> String {
        "<input type=\"\(escapeHTML(type))\" name=\"\(escapeHTML(name))\" id=\"\(escapeHTML(name))\" value=\"\(escapeHTML(value ?? ""))\" maxlength=\"256\">"
    }

    private static func link(_ text: String, _ filter: VerdictFilter, page: Int, when shown: Bool) -> String {
        guard shown else { return "" }
        let query = filter.query(page: page)
        return "<a href=\"\(escapeHTML("/verdicts" + (query.isEmpty ? "" : "?" + query)))\">\(escapeHTML(text))</a>"
    }
}
