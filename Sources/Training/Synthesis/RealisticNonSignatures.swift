import Imaging

/// Scan-like non-signatures: what a back office actually finds in a signature box instead of a
/// signature — an empty box, printed text, a rubber stamp, a fragment of a printed page, and the font-free kinds of `DocumentNonSignatures`. Each is
/// drawn on a paper background with scanner artefacts so that the classifier cannot tell them
/// apart from real crops by the background alone. Sizes scale with the canvas height.
enum RealisticNonSignatures {
    /// One `width`×`height` image of `kind` (one of `NonSignatureKind.realistic`). `fonts` is needed
    /// by the kinds with `needsFonts`; an empty box uses it for an occasional caption when given.
    static func generate<G: RandomNumberGenerator>(_ kind: NonSignatureKind, width: Int = 600, height: Int = 300,
                                                          fonts: FontLibrary?, using rng: inout G) throws -> GrayImage {
        if kind.needsFonts, fonts == nil { throw FontError.noFontsFound(searched: FontLibrary.defaultDirectories) }
        var canvas = Canvas(width: width, height: height)
        PaperEffects.paper(&canvas, using: &rng)
        switch kind {
        case .emptyBox: try emptyBox(&canvas, fonts: fonts, using: &rng)
        case .printedText: try printedText(&canvas, fonts: fonts!, using: &rng)
        case .stamp: try stamp(&canvas, fonts: fonts!, using: &rng)
        case .pageFragment: try pageFragment(&canvas, fonts: fonts!, using: &rng)
        case .blankPaper: DocumentNonSignatures.blankPaper(&canvas, using: &rng)
        case .barcode: DocumentNonSignatures.barcode(&canvas, using: &rng)
        case .qrCode: DocumentNonSignatures.qrCode(&canvas, using: &rng)
        case .handwrittenText: DocumentNonSignatures.handwrittenText(&canvas, using: &rng)
        case .picture: DocumentNonSignatures.picture(&canvas, using: &rng)
        default: break
        }
        if rng.chance(0.3) { PaperEffects.streaks(&canvas, using: &rng) }
        if rng.chance(0.4) { PaperEffects.specks(&canvas, using: &rng) }
        if rng.chance(0.15) { PaperEffects.edgeShadow(&canvas, using: &rng) }
        return canvas.grayImage()
    }

    // MARK: Kinds

    static func emptyBox<G: RandomNumberGenerator>(_ canvas: inout Canvas, fonts: FontLibrary?, using rng: inout G) throws {
        if rng.chance(0.7) { PaperEffects.boxRules(&canvas, using: &rng) }
        var baseline: (y: Double, x0: Double)?
        if rng.chance(0.6) { baseline = PaperEffects.dottedBaseline(&canvas, using: &rng) }
        if let fonts, rng.chance(0.35) {
            let h = Double(canvas.height)
            let size = rng.uniform(0.05, 0.1) * h
            let y = baseline.map { $0.y + size * 1.4 } ?? rng.uniform(0.1, 0.95) * h
            let x = baseline?.x0 ?? rng.uniform(0.02, 0.3) * Double(canvas.width)
            try fonts.draw(rng.pick(Vocabulary.captions), style: rng.pick(fonts.styles), pixelSize: size,
                           at: Vec2(x, y), intensity: Float(rng.uniform(0.5, 0.95)), on: &canvas)
        }
        if rng.chance(0.5) { PaperEffects.streaks(&canvas, using: &rng) }
    }

    static func printedText<G: RandomNumberGenerator>(_ canvas: inout Canvas, fonts: FontLibrary, using rng: inout G) throws {
        let w = Double(canvas.width), h = Double(canvas.height)
        if rng.chance(0.4) { PaperEffects.boxRules(&canvas, using: &rng) }
        let lines = rng.integer(in: 1...4)
        let size = rng.uniform(0.07, 0.2) * h / max(1, Double(lines) * 0.6)
        let leading = size * rng.uniform(1.2, 1.7)
        let style = rng.pick(fonts.styles)
        let angle = rng.uniform(-0.03, 0.03)
        let dark = Float(rng.uniform(0.7, 1))
        var y = max(size, (h - leading * Double(lines - 1)) / 2 + rng.uniform(-0.15, 0.15) * h)
        let left = rng.uniform(0.02, 0.2) * w
        for _ in 0..<lines {
            let text = line(maxWidth: w - left - 0.02 * w, size: size, style: style, fonts: fonts, using: &rng)
            try fonts.draw(text, style: style, pixelSize: size, at: Vec2(left, y), angle: angle, intensity: dark, on: &canvas)
            if rng.chance(0.15) {
                let tw = try fonts.measure(text, style: style, pixelSize: size)
                canvas.strokeSegment(Vec2(left, y + size * 0.2), Vec2(left + tw, y + size * 0.2),
                                     width: max(1, size * 0.06), intensity: dark)
            }
            y += leading
        }
    }

    static func stamp<G: RandomNumberGenerator>(_ canvas: inout Canvas, fonts: FontLibrary, using rng: inout G) throws {
        let w = Double(canvas.width), h = Double(canvas.height)
        if rng.chance(0.3) { PaperEffects.boxRules(&canvas, using: &rng) }
        var ink = Canvas(width: canvas.width, height: canvas.height)
        let angle = rng.uniform(-0.45, 0.45)
        let center = Vec2(rng.uniform(0.3, 0.7) * w, rng.uniform(0.35, 0.65) * h)
        let bold = fonts.styles.filter { $0 == .sansBold || $0 == .serifBold || $0 == .monoBold }
        let style = bold.isEmpty ? rng.pick(fonts.styles) : rng.pick(bold)
        let word = rng.pick(Vocabulary.stampWords)
        let lettering = StampLettering(fonts: fonts, style: style, word: word, center: center, angle: angle)
        if rng.chance(0.6) {
            try rectangularStamp(&ink, lettering, using: &rng)
        } else {
            try roundStamp(&ink, lettering, using: &rng)
        }
        press(ink, onto: &canvas, using: &rng)
    }

    /// What a stamp says and where: the font, the word, the stamp's centre and tilt.
    private struct StampLettering {
        let fonts: FontLibrary, style: FontStyle, word: String
        let center: Vec2, angle: Double
    }

    /// Rectangular stamp: double border, one or two lines of capitals.
    private static func rectangularStamp<G: RandomNumberGenerator>(_ ink: inout Canvas, _ l: StampLettering,
                                                                   using rng: inout G) throws {
        let w = Double(ink.width), h = Double(ink.height)
        let center = l.center, angle = l.angle
        let bw = rng.uniform(0.4, 0.75) * w, bh = rng.uniform(0.25, 0.5) * h
        let th = rng.uniform(2, 5) * h / 300
        let outer = Canvas.rectangle(origin: Vec2(center.x - bw / 2, center.y - bh / 2), size: Vec2(bw, bh), angle: angle)
        ink.strokePolygon(outer, width: th)
        if rng.chance(0.6) {
            let inset = th * 2.5
            let inner = Canvas.rectangle(origin: Vec2(center.x - bw / 2 + inset, center.y - bh / 2 + inset),
                                         size: Vec2(bw - 2 * inset, bh - 2 * inset), angle: angle)
            ink.strokePolygon(inner, width: th * 0.6)
        }
        let second = rng.chance(0.5) ? Vocabulary.date(using: &rng) : nil
        let rows = second == nil ? [l.word] : [l.word, second!]
        var size = bh * (second == nil ? 0.45 : 0.3)
        let widest = try rows.map { try l.fonts.measure($0, style: l.style, pixelSize: size) }.max()!
        if widest > bw * 0.85 { size *= bw * 0.85 / widest }
        for (i, text) in rows.enumerated() {
            let tw = try l.fonts.measure(text, style: l.style, pixelSize: size)
            let dy = second == nil ? size * 0.35 : (i == 0 ? -size * 0.15 : size * 1.05)
            let origin = Vec2(center.x - tw / 2, center.y + dy).rotated(by: angle, about: center)
            try l.fonts.draw(text, style: l.style, pixelSize: size, at: origin, angle: angle, on: &ink)
        }
    }

    /// Round stamp: two rings and a word across the middle.
    private static func roundStamp<G: RandomNumberGenerator>(_ ink: inout Canvas, _ l: StampLettering,
                                                             using rng: inout G) throws {
        let h = Double(ink.height)
        let center = l.center
        let r = rng.uniform(0.28, 0.45) * h
        let th = rng.uniform(2, 4.5) * h / 300
        ink.strokeCircle(center: center, radius: r, width: th)
        ink.strokeCircle(center: center, radius: r * rng.uniform(0.78, 0.88), width: th * 0.7)
        var size = r * 0.45
        let tw0 = try l.fonts.measure(l.word, style: l.style, pixelSize: size)
        if tw0 > r * 1.4 { size *= r * 1.4 / tw0 }
        let tw = try l.fonts.measure(l.word, style: l.style, pixelSize: size)
        let origin = Vec2(center.x - tw / 2, center.y + size * 0.35).rotated(by: l.angle, about: center)
        try l.fonts.draw(l.word, style: l.style, pixelSize: size, at: origin, angle: l.angle, on: &ink)
    }

    /// Uneven inking: a blotchy multiplier, then pressed onto the paper (darker ink wins).
    private static func press<G: RandomNumberGenerator>(_ ink: Canvas, onto canvas: inout Canvas, using rng: inout G) {
        let dark = Float(rng.uniform(0.45, 0.95))
        let gx = 8, gy = 4
        var grid = [Float](repeating: 0, count: (gx + 1) * (gy + 1))
        for i in grid.indices { grid[i] = Float(rng.uniform(0.45, 1)) }
        let cw = canvas.width, chh = canvas.height
        ink.ink.withUnsafeBufferPointer { src in
            canvas.ink.withUnsafeMutableBufferPointer { dst in
                for y in 0..<chh {
                    let fy = Float(y) * Float(gy) / Float(max(1, chh - 1))
                    let j = min(gy - 1, Int(fy)), ty = fy - Float(j)
                    for x in 0..<cw where src[y * cw + x] > 0 {
                        let fx = Float(x) * Float(gx) / Float(max(1, cw - 1))
                        let i = min(gx - 1, Int(fx)), tx = fx - Float(i)
                        let a = grid[j * (gx + 1) + i], b = grid[j * (gx + 1) + i + 1]
                        let c = grid[(j + 1) * (gx + 1) + i], d = grid[(j + 1) * (gx + 1) + i + 1]
                        let m = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty
                        let v = src[y * cw + x] * dark * m
                        if v > dst[y * cw + x] { dst[y * cw + x] = v }
                    }
                }
            }
        }
    }

    static func pageFragment<G: RandomNumberGenerator>(_ canvas: inout Canvas, fonts: FontLibrary, using rng: inout G) throws {
        let w = Double(canvas.width), h = Double(canvas.height)
        let size = rng.uniform(0.045, 0.09) * h
        let leading = size * rng.uniform(1.25, 1.6)
        let style = rng.pick(fonts.styles)
        let angle = rng.uniform(-0.035, 0.035)
        let dark = Float(rng.uniform(0.7, 1))
        let left = rng.uniform(-0.1, 0.08) * w          // text may start beyond the crop
        var y = rng.uniform(-0.5, 1) * leading
        let center = Vec2(w / 2, h / 2)
        var lineIndex = 0
        while y < h + leading {
            // Paragraph breaks, headings and ruled table lines break the texture up.
            if rng.chance(0.1) {
                y += leading * 0.6
            } else if rng.chance(0.08) {
                let ry = y - size * 0.4
                canvas.strokeSegment(Vec2(-10, ry).rotated(by: angle, about: center), Vec2(w + 10, ry).rotated(by: angle, about: center),
                                     width: max(1, size * 0.08), intensity: dark)
                y += leading * 0.5
            } else {
                let heading = lineIndex > 0 && rng.chance(0.07)
                let st: FontStyle = heading && fonts.styles.contains(.sansBold) ? .sansBold : style
                let indent = rng.chance(0.15) ? size * 2 : 0
                let text = line(maxWidth: w * rng.uniform(0.5, 1.3), size: size, style: st, fonts: fonts, using: &rng)
                let origin = Vec2(left + indent, y).rotated(by: angle, about: center)
                try fonts.draw(text, style: st, pixelSize: size, at: origin, angle: angle, intensity: dark, on: &canvas)
                y += leading
            }
            lineIndex += 1
        }
        if rng.chance(0.35) {
            let x = rng.uniform(0.1, 0.9) * w
            canvas.strokeSegment(Vec2(x, -10).rotated(by: angle, about: center), Vec2(x, h + 10).rotated(by: angle, about: center),
                                 width: max(1, size * 0.08), intensity: dark)
        }
    }

    // MARK: Text content

    /// Words from the vocabulary until the line would exceed `maxWidth`. Advances add up (no
    /// kerning is applied), so each word is measured once.
    static func line<G: RandomNumberGenerator>(maxWidth: Double, size: Double, style: FontStyle, fonts: FontLibrary,
                                               using rng: inout G) -> String {
        var text = ""
        var width = 0.0
        for _ in 0..<40 {
            var word: String
            switch rng.integer(in: 0...9) {
            case 0: word = Vocabulary.date(using: &rng)
            case 1: word = Vocabulary.number(using: &rng)
            default: word = rng.pick(Vocabulary.words)
            }
            if text.isEmpty, rng.chance(0.5) { word = word.prefix(1).uppercased() + word.dropFirst() }
            let piece = text.isEmpty ? word : " " + word
            let w = (try? fonts.measure(piece, style: style, pixelSize: size)) ?? 0
            if width + w > maxWidth, !text.isEmpty { break }
            text += piece
            width += w
        }
        return text
    }
}

/// Text printed on bank and office forms, in several languages.
enum Vocabulary {
    static let words = [
        "account", "number", "date", "amount", "payment", "customer", "signature", "authorised", "branch", "bank",
        "transfer", "reference", "invoice", "total", "balance", "name", "address", "please", "sign", "here",
        "the", "of", "and", "to", "for", "with", "on", "by", "this", "form", "is", "valid", "only", "if",
        "terms", "conditions", "agreement", "holder", "card", "cheque", "order", "received", "from", "pay",
        "Konto", "Datum", "Betrag", "Unterschrift", "Kunde", "numéro", "montant", "date", "client", "banque",
        "firma", "importe", "cuenta", "fecha", "IBAN", "BIC", "EUR", "USD", "No.", "Ref.", "Tel.", "Fax",
    ]
    static let captions = ["Signature", "Sign here", "Authorised signature", "Unterschrift", "Signature du client",
                           "Firma", "Customer signature", "Signature / Date", "X"]
    static let stampWords = ["PAID", "RECEIVED", "APPROVED", "COPY", "VOID", "CANCELLED", "ORIGINAL", "VERIFIED",
                             "BEZAHLT", "EINGANG", "PAYÉ", "REÇU", "CONFIDENTIAL", "URGENT", "SCANNED", "POSTED"]

    static func date<G: RandomNumberGenerator>(using rng: inout G) -> String {
        let d = rng.integer(in: 1...28), m = rng.integer(in: 1...12), y = rng.integer(in: 1995...2026)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        switch rng.integer(in: 0...2) {
        case 0: return "\(two(d)).\(two(m)).\(y)"
        case 1: return "\(y)-\(two(m))-\(two(d))"
        default: return "\(two(m))/\(two(d))/\(y)"
        }
    }

    static func number<G: RandomNumberGenerator>(using rng: inout G) -> String {
        switch rng.integer(in: 0...2) {
        case 0: return String(rng.integer(in: 100_000...99_999_999))
        case 1: return "\(rng.integer(in: 1...9999)).\(rng.integer(in: 10...99))"
        default: return "DE\(rng.integer(in: 10...99)) \(rng.integer(in: 1000...9999)) \(rng.integer(in: 1000...9999))"
        }
    }
}
