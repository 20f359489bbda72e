/// More of what lands in a signature box instead of a signature, none of which needs a font: blank
/// or nearly blank paper, a barcode, a QR code, several lines of handwriting (a note, an address —
/// not a name), and a continuous-tone picture (a photo or a texture). Drawn on a `Canvas` that
/// `RealisticNonSignatures.generate` has already covered with paper; sizes scale with its height.
enum DocumentNonSignatures {
    /// Nothing but the paper (and the streaks, specks and shadows the caller may add).
    static func blankPaper<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        if rng.chance(0.5) { PaperEffects.specks(&canvas, using: &rng) }
    }

    /// A 1-D barcode: bars of 1–4 module widths over 30–80 % of the width.
    static func barcode<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        let barW = w * rng.uniform(0.3, 0.8), barH = h * rng.uniform(0.25, 0.7)
        let x0 = rng.uniform(0.02 * w, max(0.03 * w, w - barW - 0.02 * w)), y0 = rng.uniform(0.05 * h, h - barH - 0.05 * h)
        let bars = rng.integer(in: 30...70)
        let module = barW / Double(bars * 5 / 2)
        let dark = Float(rng.uniform(0.7, 1))
        var x = x0
        while x < x0 + barW {
            let width = module * Double(rng.integer(in: 1...4))
            if rng.chance(0.5) {
                canvas.fillPolygon(Canvas.rectangle(origin: Vec2(x, y0), size: Vec2(width, barH)), intensity: dark)
            }
            x += width
        }
    }

    /// A QR-like code: an n×n module grid (21–33) of random modules with the three finder squares.
    static func qrCode<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        let n = rng.pick([21, 25, 29, 33])
        let side = h * rng.uniform(0.45, 0.9), m = side / Double(n)
        let x0 = rng.uniform(0.02 * w, max(0.03 * w, w - side - 0.02 * w)), y0 = rng.uniform(0, h - side)
        let dark = Float(rng.uniform(0.7, 1))
        func module(_ i: Int, _ j: Int) {
            canvas.fillPolygon(Canvas.rectangle(origin: Vec2(x0 + Double(i) * m, y0 + Double(j) * m), size: Vec2(m, m)),
                               intensity: dark)
        }
        func finder(_ fi: Int, _ fj: Int) -> Bool {
            for (ci, cj) in [(0, 0), (n - 7, 0), (0, n - 7)] where (ci..<(ci + 7)).contains(fi) && (cj..<(cj + 7)).contains(fj) {
                let a = fi - ci, b = fj - cj
                let ring = min(a, b, 6 - a, 6 - b)
                return ring != 1
            }
            return rng.chance(0.5)
        }
        for j in 0..<n {
            for i in 0..<n where finder(i, j) { module(i, j) }
        }
    }

    /// Three to six lines of cursive handwriting across the box, like a note or an address.
    static func handwrittenText<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        let lines = rng.integer(in: 3...6)
        let lineH = canvas.height / lines
        let pen = Double(canvas.height) / 300 * rng.uniform(1.2, 2.5)
        for l in 0..<lines {
            var line = Canvas(width: canvas.width, height: lineH)
            CursiveSignature.draw(on: &line, strokeWidth: pen, using: &rng)
            for y in 0..<lineH {
                for x in 0..<canvas.width {
                    let i = (l * lineH + y) * canvas.width + x
                    canvas.ink[i] = max(canvas.ink[i], line.ink[y * canvas.width + x])
                }
            }
        }
    }

    /// A continuous-tone picture: overlapping soft blobs on a gradient, with grain — what a photo or
    /// a texture looks like to a scanner.
    static func picture<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        let w = canvas.width, h = canvas.height
        let gx = Float(rng.uniform(-0.5, 0.5)) / Float(w), gy = Float(rng.uniform(-0.5, 0.5)) / Float(h)
        let base = Float(rng.uniform(0.1, 0.6))
        let blobs = (0..<rng.integer(in: 4...20)).map { _ in
            (x: Float(rng.uniform(0, Double(w))), y: Float(rng.uniform(0, Double(h))),
             r: Float(rng.uniform(0.05, 0.4) * Double(h)), a: Float(rng.uniform(-0.5, 0.5)))
        }
        let grain = Float(rng.uniform(0, 0.15))
        for y in 0..<h {
            for x in 0..<w {
                var v = base + gx * Float(x) + gy * Float(y)
                for b in blobs {
                    let dx = Float(x) - b.x, dy = Float(y) - b.y
                    v += b.a * max(0, 1 - (dx * dx + dy * dy) / (b.r * b.r))
                }
                v += grain * PaperEffects.triangular(&rng) * 0.4
                canvas.ink[y * w + x] = max(canvas.ink[y * w + x], min(1, max(0, v)))
            }
        }
    }
}
