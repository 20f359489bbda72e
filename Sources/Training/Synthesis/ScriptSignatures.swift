import Foundation

/// Signatures written in scripts that are not Latin cursive, so that a model trained mostly on
/// Latin hands does not learn "Latin letters" as the mark of a signature. Two families, drawn from
/// how the scripts are built rather than from any dataset's scans:
/// - `HeadlineSignature`: scripts whose letters hang from a line drawn across the top of each word
///   (the shirorekha of Devanagari and Bengali) — stems, loops and hooks below one horizontal.
/// - `BlockSignature`: logographic names (Chinese, Japanese kanji) — two to four square characters
///   of short horizontals, verticals, sweeps, dots and enclosures, often joined in running hand;
///   nearly half of them compound (two or three components in one square), as dense characters are.
/// Both write one line of one to three words, like every other synthetic signature.
enum HeadlineSignature {
    static func draw<G: RandomNumberGenerator>(on canvas: inout Canvas, strokeWidth: Double, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        let body = rng.uniform(0.18, 0.32) * h
        let headline = rng.uniform(0.3, 0.5) * h
        let pen = strokeWidth * rng.uniform(0.8, 1.6)
        let slant = rng.uniform(-0.1, 0.35)
        let words = rng.integer(in: 1...3)
        let letters = (0..<words).map { _ in rng.integer(in: 2...5) }
        let advance = body * rng.uniform(0.6, 1.0)
        let gap = advance * rng.uniform(0.4, 1.0)
        let total = Double(letters.reduce(0, +)) * advance + Double(words - 1) * gap
        var x = rng.uniform(0.04 * w, max(0.05 * w, w - total - 0.04 * w))
        func lean(_ p: Vec2) -> Vec2 { Vec2(p.x - slant * (p.y - headline), p.y) }
        for n in letters {
            let start = x
            for _ in 0..<n {
                drawLetter(on: &canvas, x: x, width: advance, top: headline, body: body, pen: pen, lean: lean, using: &rng)
                x += advance * rng.uniform(0.85, 1.15)
            }
            if rng.chance(0.85) {  // the headline over the word, drawn last and slightly wavy
                let y0 = headline + rng.uniform(-0.04, 0.04) * body, y1 = headline + rng.uniform(-0.08, 0.08) * body
                let line = [Vec2(start - 0.1 * advance, y0), Vec2((start + x) / 2, (y0 + y1) / 2 + rng.uniform(-0.05, 0.05) * body),
                            Vec2(x + 0.05 * advance, y1)]
                canvas.strokeBezier(line.map(lean), width: pen)
            }
            x += gap
        }
    }

    /// One letter under the headline: a stem on the right, a loop or bowl on the left, sometimes a
    /// vowel sign above the line or a hook below the body.
    private static func drawLetter<G: RandomNumberGenerator>(on canvas: inout Canvas, x: Double, width a: Double, top: Double,
                                                             body: Double, pen: Double, lean: (Vec2) -> Vec2,
                                                             using rng: inout G) {
        func point(_ u: Double, _ v: Double) -> Vec2 { lean(Vec2(x + u * a, top + v * body)) }
        let stemX = rng.uniform(0.65, 0.9)
        if rng.chance(0.7) {
            canvas.strokeBezier([point(stemX, 0), point(stemX + rng.uniform(-0.08, 0.08), 0.5),
                                 point(stemX + rng.uniform(-0.05, 0.05), rng.uniform(0.85, 1.15))], width: pen)
        }
        // The bowl: from the headline down round to the stem.
        let bowl = [point(rng.uniform(0.1, 0.4), 0), point(rng.uniform(-0.15, 0.2), rng.uniform(0.3, 0.7)),
                    point(rng.uniform(0.1, 0.5), rng.uniform(0.8, 1.1)), point(stemX, rng.uniform(0.4, 0.8))]
        canvas.strokeBezier(bowl, width: pen)
        if rng.chance(0.35) {  // a second loop inside the body
            let c = point(rng.uniform(0.25, 0.55), rng.uniform(0.4, 0.7))
            let r = a * rng.uniform(0.1, 0.2)
            canvas.strokeBezier([Vec2(c.x - r, c.y), Vec2(c.x - r, c.y - 2 * r), Vec2(c.x + r, c.y - 2 * r),
                                 Vec2(c.x + r, c.y + r)], width: pen)
        }
        if rng.chance(0.2) {  // a vowel sign arching above the headline
            canvas.strokeBezier([point(stemX, 0), point(stemX - 0.2, -0.6), point(stemX - 0.7, -0.5), point(stemX - 0.6, -0.1)],
                                width: pen)
        }
        if rng.chance(0.15) {  // a hook below the body
            canvas.strokeBezier([point(stemX - 0.3, 1), point(stemX - 0.5, 1.5), point(stemX + 0.1, 1.5)], width: pen)
        }
    }
}

enum BlockSignature {
    static func draw<G: RandomNumberGenerator>(on canvas: inout Canvas, strokeWidth: Double, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        let count = rng.pick([2, 2, 3, 3, 3, 4])
        let cell = min(rng.uniform(0.3, 0.55) * h, 0.9 * w / Double(count))
        let gap = cell * rng.uniform(0.0, 0.3)
        let pen = strokeWidth * rng.uniform(0.8, 1.8)
        let running = rng.uniform(0, 0.8)  // how often one stroke runs on into the next
        let total = Double(count) * cell + Double(count - 1) * gap
        var x = rng.uniform(0.04 * w, max(0.05 * w, w - total - 0.04 * w))
        let top = rng.uniform(0.15 * h, max(0.16 * h, h - cell - 0.15 * h))
        for _ in 0..<count {
            let size = cell * rng.uniform(0.8, 1.1)
            let y = top + rng.uniform(-0.08, 0.08) * cell
            if rng.chance(0.45) {
                drawCompound(on: &canvas, origin: Vec2(x, y), size: size, pen: pen, running: running, using: &rng)
            } else {
                drawCharacter(on: &canvas, origin: Vec2(x, y), size: size, pen: pen, running: running, using: &rng)
            }
            x += size + gap
        }
    }

    /// A character built from components, as most logographic characters are (a radical beside or
    /// above a phonetic part, or one component three times): two or three smaller characters in
    /// the square — left and right, top and bottom, or one above two — so a name carries the dense
    /// characters of 10–25 strokes as well as the simple ones.
    private static func drawCompound<G: RandomNumberGenerator>(on canvas: inout Canvas, origin: Vec2, size s: Double,
                                                               pen: Double, running: Double, using rng: inout G) {
        let split = rng.uniform(0.35, 0.55)
        let parts: [(Vec2, Double, Double)]  // origin, width, height of each component
        switch rng.integer(in: 0...2) {
        case 0: parts = [(origin, split * s, s), (Vec2(origin.x + split * s, origin.y), (1 - split) * s, s)]
        case 1: parts = [(origin, s, split * s), (Vec2(origin.x, origin.y + split * s), s, (1 - split) * s)]
        default: parts = [(Vec2(origin.x + 0.25 * s, origin.y), 0.5 * s, 0.5 * s), (Vec2(origin.x, origin.y + 0.5 * s), 0.5 * s, 0.5 * s),
                          (Vec2(origin.x + 0.5 * s, origin.y + 0.5 * s), 0.5 * s, 0.5 * s)]
        }
        for (o, w, h) in parts {
            // Each component as a character of its own, squeezed into its part of the square.
            drawCharacter(on: &canvas, origin: o, size: min(w, h), pen: pen * 0.85, running: running,
                          strokes: 2...7, stretch: Vec2(w / min(w, h), h / min(w, h)), using: &rng)
        }
    }

    /// One square character: `strokes` (3–10) strokes of the basic kinds, each from where the last one
    /// ended when the hand runs on; `stretch` widens or heightens the square into a component's part.
    private static func drawCharacter<G: RandomNumberGenerator>(on canvas: inout Canvas, origin: Vec2, size s: Double,
                                                                pen: Double, running: Double, strokes: ClosedRange<Int> = 3...10,
                                                                stretch: Vec2 = Vec2(1, 1), using rng: inout G) {
        func p(_ u: Double, _ v: Double) -> Vec2 { Vec2(origin.x + u * s * stretch.x, origin.y + v * s * stretch.y) }
        var last: Vec2?
        for _ in 0..<rng.integer(in: strokes) {
            var stroke: [Vec2]
            switch rng.integer(in: 0...11) {
            case 0...3:  // horizontal, rising slightly to the right
                let v = rng.uniform(0.05, 0.95), u0 = rng.uniform(0, 0.4), u1 = rng.uniform(0.6, 1)
                stroke = [p(u0, v), p(u1, v - rng.uniform(0, 0.08))]
            case 4...6:  // vertical, sometimes hooked at the foot
                let u = rng.uniform(0.1, 0.9), v0 = rng.uniform(0, 0.4), v1 = rng.uniform(0.6, 1)
                stroke = rng.chance(0.3) ? [p(u, v0), p(u, v1), p(u - 0.1, v1 - 0.08)] : [p(u, v0), p(u, v1)]
            case 7:  // falling left
                let u = rng.uniform(0.3, 0.7), v = rng.uniform(0, 0.4)
                stroke = Bezier.flatten([p(u, v), p(u - 0.05, v + 0.35), p(u - rng.uniform(0.3, 0.5), rng.uniform(0.7, 1))])
            case 8:  // falling right
                let u = rng.uniform(0.3, 0.6), v = rng.uniform(0.1, 0.5)
                stroke = Bezier.flatten([p(u, v), p(u + 0.2, v + 0.3), p(u + rng.uniform(0.3, 0.45), rng.uniform(0.8, 1))])
            case 9...10:  // dot
                let c = p(rng.uniform(0.1, 0.9), rng.uniform(0.05, 0.9))
                stroke = [c, Vec2(c.x + 0.06 * s, c.y + 0.06 * s)]
            default:  // an enclosure, like 口 or 日, its corner rounded by the running hand
                let u0 = rng.uniform(0.1, 0.4), u1 = rng.uniform(0.6, 0.9), v0 = rng.uniform(0.1, 0.5), v1 = rng.uniform(0.6, 0.95)
                stroke = [p(u0, v1), p(u0, v0), p(u1, v0), p(u1 - 0.05, v1), p(u0, v1)]
            }
            stroke = handDrawn(stroke, size: s, using: &rng)
            if let from = last, let to = stroke.first, rng.unitDouble() < running,
               (to.x - from.x) * (to.x - from.x) + (to.y - from.y) * (to.y - from.y) < 0.36 * s * s {
                canvas.strokeSegment(from, to, width: pen * 0.6)
            }
            canvas.strokePolyline(stroke, width: pen * rng.uniform(0.8, 1.2))
            last = stroke.last
        }
    }

    /// `points` as a pen draws them: each vertex moved a little, each segment bowed a little.
    /// Curves (already flattened, more than five points) stay as they are.
    private static func handDrawn<G: RandomNumberGenerator>(_ points: [Vec2], size s: Double, using rng: inout G) -> [Vec2] {
        guard points.count <= 5 else { return points }
        let moved = points.map { Vec2($0.x + rng.uniform(-0.04, 0.04) * s, $0.y + rng.uniform(-0.04, 0.04) * s) }
        guard moved.count > 1 else { return moved }
        var out: [Vec2] = [moved[0]]
        for i in 1..<moved.count {
            let a = moved[i - 1], b = moved[i]
            let bow = rng.uniform(-0.12, 0.12)
            let mid = Vec2((a.x + b.x) / 2 - (b.y - a.y) * bow, (a.y + b.y) / 2 + (b.x - a.x) * bow)
            out += Bezier.flatten([a, mid, b]).dropFirst()
        }
        return out
    }
}
