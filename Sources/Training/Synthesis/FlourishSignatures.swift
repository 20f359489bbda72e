import Foundation

/// Stylised signatures: the forms many people sign with that are neither a written-out name nor a
/// script's letters, drawn from how such signatures are made (the rubric, paraph and enclosure of
/// forensic handbooks) rather than from any dataset's scans. Four forms, one per signature:
/// - an initial inside (or begun by) a large loop, the name running out of it;
/// - an initial run on into a zigzag of sharp peaks, ending in a flick;
/// - a name on two lines (given name above, family name below);
/// - one to three looped capitals followed by a long sweeping paraph.
/// Without them a model that has only seen written-out names reads a loop as a stamp and a zigzag
/// as line art.
enum FlourishSignature {
    static func draw<G: RandomNumberGenerator>(on canvas: inout Canvas, strokeWidth: Double, using rng: inout G) {
        let pen = strokeWidth * rng.uniform(0.8, 1.6)
        switch rng.integer(in: 0...3) {
        case 0: enclosedInitial(on: &canvas, pen: pen, using: &rng)
        case 1: zigzag(on: &canvas, pen: pen, using: &rng)
        case 2: twoLines(on: &canvas, strokeWidth: strokeWidth, pen: pen, using: &rng)
        default: capitalsAndParaph(on: &canvas, pen: pen, using: &rng)
        }
        if rng.chance(0.3) { dots(on: &canvas, pen: pen, using: &rng) }
    }

    /// A tall initial, a loop of 0.8–1.1 turns drawn round it, and a short name running out of it.
    private static func enclosedInitial<G: RandomNumberGenerator>(on canvas: inout Canvas, pen: Double, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        let rx = rng.uniform(0.1, 0.25) * w, ry = rng.uniform(0.25, 0.42) * h
        let c = Vec2(rng.uniform(0.06 * w + rx, max(0.07 * w + rx, 0.6 * w)), rng.uniform(0.45, 0.55) * h)
        let start = rng.uniform(0, 2 * Double.pi), turns = rng.uniform(0.8, 1.1), tilt = rng.uniform(-0.3, 0.3)
        let steps = 96
        let loop = (0...steps).map { i -> Vec2 in
            let t = start + 2 * Double.pi * turns * Double(i) / Double(steps)
            let grow = 1 + 0.12 * Double(i) / Double(steps)  // a hand's loop does not close on itself
            let x = rx * grow * cos(t), y = ry * grow * sin(t)
            return Vec2(c.x + x * cos(tilt) - y * sin(tilt), c.y + x * sin(tilt) + y * cos(tilt))
        }
        canvas.strokePolyline(loop, width: pen)
        looped(capital: Vec2(c.x - 0.3 * rx, c.y - 0.6 * ry), height: 1.2 * ry, on: &canvas, pen: pen, using: &rng)
        if rng.chance(0.8) {
            CursiveSignature.writeName(on: &canvas, x0: c.x - rng.uniform(0.2, 0.6) * rx, baseline: c.y + rng.uniform(0.2, 0.6) * ry,
                                       boxW: rng.uniform(0.25, min(0.55, 0.95 - (c.x - 0.2 * rx) / w)) * w,
                                       boxH: rng.uniform(0.08, 0.2) * h, strokeWidth: pen, using: &rng)
        }
        if rng.chance(0.6) { sweep(from: c.x - rx, to: min(0.96 * w, c.x + rng.uniform(1.2, 3) * rx), at: c.y + 0.8 * ry,
                                   on: &canvas, pen: pen, using: &rng) }
    }

    /// A looped initial, then 4–12 sharp peaks of irregular height and pitch, then a flick.
    private static func zigzag<G: RandomNumberGenerator>(on canvas: inout Canvas, pen: Double, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        let x0 = rng.uniform(0.05, 0.2) * w, base = rng.uniform(0.6, 0.75) * h
        let amplitude = rng.uniform(0.2, 0.45) * h
        looped(capital: Vec2(x0, base - 1.3 * amplitude), height: 1.4 * amplitude, on: &canvas, pen: pen, using: &rng)
        let peaks = rng.integer(in: 4...12)
        let pitch = rng.uniform(0.3, 0.65) * w / Double(peaks)
        let slant = rng.uniform(-0.1, 0.4)
        var points = [Vec2(x0 + 0.3 * pitch, base)]
        var x = x0 + 0.3 * pitch
        for _ in 0..<peaks {
            let top = amplitude * rng.uniform(0.6, 1.1)
            points.append(Vec2(x + 0.5 * pitch + slant * top, base - top))
            x += pitch * rng.uniform(0.8, 1.2)
            points.append(Vec2(x, base + rng.uniform(-0.05, 0.05) * amplitude))
        }
        canvas.strokePolyline(points, width: pen)
        let end = points[points.count - 1]
        canvas.strokeBezier([end, Vec2(end.x + pitch, end.y + rng.uniform(-0.3, 0.2) * amplitude),
                             Vec2(min(0.97 * w, end.x + rng.uniform(1.5, 4) * pitch), end.y - rng.uniform(-0.1, 0.3) * amplitude)],
                            width: pen * 0.9)
    }

    /// Given name above, family name below it, further right or under it, sometimes underlined.
    private static func twoLines<G: RandomNumberGenerator>(on canvas: inout Canvas, strokeWidth: Double, pen: Double,
                                                           using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        let boxH = rng.uniform(0.12, 0.22) * h
        let upperX = rng.uniform(0.05, 0.35) * w, upperW = rng.uniform(0.25, 0.5) * w
        CursiveSignature.writeName(on: &canvas, x0: upperX, baseline: rng.uniform(0.3, 0.42) * h, boxW: upperW, boxH: boxH,
                                   strokeWidth: strokeWidth, using: &rng)
        let lowerX = max(0.04 * w, upperX + rng.uniform(-0.1, 0.25) * w)
        let lowerW = min(rng.uniform(0.35, 0.65) * w, 0.96 * w - lowerX)
        let lowerBase = rng.uniform(0.7, 0.85) * h
        CursiveSignature.writeName(on: &canvas, x0: lowerX, baseline: lowerBase, boxW: lowerW, boxH: boxH,
                                   strokeWidth: strokeWidth, using: &rng)
        if rng.chance(0.4) { sweep(from: lowerX, to: lowerX + lowerW, at: min(0.95 * h, lowerBase + 0.08 * h), on: &canvas,
                                   pen: pen, using: &rng) }
    }

    /// One to three looped capitals, then a long paraph swinging up and down to the right.
    private static func capitalsAndParaph<G: RandomNumberGenerator>(on canvas: inout Canvas, pen: Double, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        let height = rng.uniform(0.35, 0.65) * h, top = rng.uniform(0.1, 0.9 - height / h) * h
        var x = rng.uniform(0.05, 0.2) * w
        for _ in 0..<rng.integer(in: 1...3) {
            looped(capital: Vec2(x, top), height: height * rng.uniform(0.8, 1.1), on: &canvas, pen: pen, using: &rng)
            x += height * rng.uniform(0.4, 0.8)
        }
        let y = top + height * rng.uniform(0.6, 1.0)
        canvas.strokeBezier([Vec2(x - 0.2 * height, y), Vec2(x + rng.uniform(0.1, 0.3) * w, y - rng.uniform(0.1, 0.4) * h),
                             Vec2(x + rng.uniform(0.2, 0.4) * w, min(0.95 * h, y + rng.uniform(0.05, 0.3) * h)),
                             Vec2(min(0.97 * w, x + rng.uniform(0.3, 0.7) * w), y + rng.uniform(-0.2, 0.1) * h)], width: pen)
    }

    /// A capital written as one looped stroke: down a stem, back up, round a bowl or two.
    private static func looped<G: RandomNumberGenerator>(capital origin: Vec2, height s: Double, on canvas: inout Canvas,
                                                         pen: Double, using rng: inout G) {
        func p(_ u: Double, _ v: Double) -> Vec2 { Vec2(origin.x + u * s, origin.y + v * s) }
        let lean = rng.uniform(-0.1, 0.3)
        canvas.strokeBezier([p(0.1 + lean, 0), p(0.05 + lean / 2, 0.5), p(0, 1), p(-0.15, 0.9)], width: pen)
        var control = [p(lean, rng.uniform(-0.05, 0.15))]
        for _ in 0..<rng.integer(in: 2...4) {
            control.append(p(rng.uniform(0.1, 0.7), rng.uniform(0, 1)))
        }
        control.append(p(rng.uniform(0, 0.3), rng.uniform(0.6, 1)))
        canvas.strokeBezier(control, width: pen)
    }

    /// An underline or paraph from `x0` to `x1` near height `y`.
    private static func sweep<G: RandomNumberGenerator>(from x0: Double, to x1: Double, at y: Double, on canvas: inout Canvas,
                                                        pen: Double, using rng: inout G) {
        let h = Double(canvas.height), span = x1 - x0
        canvas.strokeBezier([Vec2(x0, y + rng.uniform(-0.03, 0.03) * h), Vec2(x0 + 0.33 * span, y + rng.uniform(-0.12, 0.12) * h),
                             Vec2(x0 + 0.66 * span, y + rng.uniform(-0.12, 0.12) * h), Vec2(x1, y + rng.uniform(-0.08, 0.04) * h)],
                            width: pen * 0.9)
    }

    /// One or two dots (an i's, a full stop after an initial).
    private static func dots<G: RandomNumberGenerator>(on canvas: inout Canvas, pen: Double, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        for _ in 0..<rng.integer(in: 1...2) {
            canvas.fillCircle(center: Vec2(rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h), radius: pen * rng.uniform(0.8, 1.5))
        }
    }
}
