import Foundation

/// Why a list of non-signature kinds could not be understood.
public enum NonSignatureKindError: Error, CustomStringConvertible, Equatable {
    case unknown(String)
    case empty

    public var description: String {
        switch self {
        case .unknown(let name):
            let names = NonSignatureKind.allCases.map(\.rawValue) + ["generated", "realistic", "all"]
            return "unknown non-signature kind '\(name)'; known: \(names.joined(separator: ", "))"
        case .empty:
            return "no non-signature kinds given"
        }
    }
}

/// Every kind of invalid (non-signature) image the synthesiser makes. The raw values are the names
/// the CLI's `--kinds` takes and the prefixes of the written file names.
public enum NonSignatureKind: String, CaseIterable, Sendable {
    // The reference's six generated patterns (SPEC §4), 224×224.
    case polyline
    case shapes
    case textStrokes = "text_strokes"
    case sineWaves = "sine_waves"
    case circles
    case composite
    // What a back office really finds in a signature box.
    case emptyBox = "empty_box"
    case printedText = "printed_text"
    case stamp
    case pageFragment = "page_fragment"
    case blankPaper = "blank_paper"
    case barcode
    case qrCode = "qr_code"
    case handwrittenText = "handwritten_text"
    case picture

    /// The reference's six kinds.
    public static let generated: [NonSignatureKind] = [.polyline, .shapes, .textStrokes, .sineWaves, .circles, .composite]
    /// The scan-like kinds.
    public static let realistic: [NonSignatureKind] = [.emptyBox, .printedText, .stamp, .pageFragment, .blankPaper, .barcode,
                                                       .qrCode, .handwrittenText, .picture]

    /// Kinds that set text with a font (need `FontLibrary`).
    public var needsFonts: Bool {
        self == .printedText || self == .stamp || self == .pageFragment
    }

    /// Parses a comma-separated list of kind names; the group names `generated`, `realistic` and
    /// `all` expand to their members. Order is kept, duplicates dropped.
    public static func parseList(_ text: String) throws -> [NonSignatureKind] {
        var result: [NonSignatureKind] = []
        for raw in text.split(separator: ",") {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if name.isEmpty { continue }
            let members: [NonSignatureKind]
            switch name {
            case "generated": members = generated
            case "realistic": members = realistic
            case "all": members = allCases
            default:
                guard let kind = NonSignatureKind(rawValue: name) else { throw NonSignatureKindError.unknown(name) }
                members = [kind]
            }
            for m in members where !result.contains(m) { result.append(m) }
        }
        guard !result.isEmpty else { throw NonSignatureKindError.empty }
        return result
    }
}
