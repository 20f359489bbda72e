import Foundation

/// The verdict list's filters and page, from a query string. Values are cut to 256 characters;
/// anything not understood is dropped (an unknown verdict or criterion, a malformed date).
struct VerdictFilter: Equatable {
    static let verdicts = ["valid", "invalid"]
    static let criteria = ["reconstruction", "anomaly", "classifier"]
    static let maxPage = 100_000

    var verdict: String?
    var criterion: String?
    var model: String?
    /// `YYYY-MM-DD`, UTC, inclusive.
    var from: String?
    var to: String?
    /// A substring of the external reference or file name.
    var reference: String?
    var page = 1

    init(query: String) {
        let values = Self.parameters(query)
        verdict = values["verdict"].flatMap { Self.verdicts.contains($0) ? $0 : nil }
        criterion = values["criterion"].flatMap { Self.criteria.contains($0) ? $0 : nil }
        model = values["model"].flatMap { $0.isEmpty ? nil : $0 }
        from = values["from"].flatMap(Self.date)
        to = values["to"].flatMap(Self.date)
        reference = values["ref"].flatMap { $0.isEmpty ? nil : $0 }
        page = values["page"].flatMap { Int($0) }.map { min(max(1, $0), Self.maxPage) } ?? 1
    }

    /// This filter's query string for page `page` (percent-encoded; escape it for HTML).
    func query(page: Int) -> String {
        let pairs: [(String, String?)] = [("verdict", verdict), ("criterion", criterion), ("model", model), ("from", from),
                                          ("to", to), ("ref", reference), ("page", page > 1 ? String(page) : nil)]
        return pairs.compactMap { name, value in value.map { name + "=" + Self.encode($0) } }.joined(separator: "&")
    }

    /// `name=value` pairs of a query string, `+` as a space, percent-decoded; the first of repeated names.
    static func parameters(_ query: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in query.split(separator: "&").prefix(32) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), values[name] == nil else { continue }
            values[name] = parts.count > 1 ? decode(parts[1]).map { String($0.prefix(256)) } : ""
        }
        return values
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// `YYYY-MM-DD` with a real month and day, else nil.
    private static func date(_ text: String) -> String? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        var components = DateComponents(calendar: Calendar(identifier: .gregorian), year: year, month: month, day: day)
        components.timeZone = TimeZone(identifier: "UTC")
        return components.isValidDate ? text : nil
    }
}
