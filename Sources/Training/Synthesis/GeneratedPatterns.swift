import Foundation
import Imaging

/// The reference's six generated non-signature patterns (SPEC §4): strokes on a square canvas,
/// black on white (the reference drew white on black and inverted; the result is the same picture).
/// Stroke thicknesses are whole pixels like the OpenCV calls it used.
enum GeneratedPatterns {
    /// The five basic patterns a composite picks from.
    static let basic: [NonSignatureKind] = [.polyline, .shapes, .textStrokes, .sineWaves, .circles]

    /// One `size`×`size` image of `kind` (one of `NonSignatureKind.generated`; others leave it blank).
    static func generate<G: RandomNumberGenerator>(_ kind: NonSignatureKind, size: Int = 224,
                                                          using rng: inout G) -> GrayImage {
        var canvas = Canvas(width: size, height: size)
        draw(kind, on: &canvas, using: &rng)
        return canvas.grayImage()
    }

    static func draw<G: RandomNumberGenerator>(_ kind: NonSignatureKind, on canvas: inout Canvas, using rng: inout G) {
        switch kind {
        case .polyline: polyline(on: &canvas, using: &rng)
        case .shapes: shapes(on: &canvas, using: &rng)
        case .textStrokes: textStrokes(on: &canvas, using: &rng)
        case .sineWaves: sineWaves(on: &canvas, using: &rng)
        case .circles: circles(on: &canvas, using: &rng)
        case .composite:
            // 2–3 different basic patterns on one canvas.
            var pool = basic
            rng.shuffle(&pool)
            for k in pool.prefix(rng.integer(in: 2...3)) { draw(k, on: &canvas, using: &rng) }
        default:
            break
        }
    }

    private static func point<G: RandomNumberGenerator>(on canvas: Canvas, using rng: inout G) -> Vec2 {
        Vec2(rng.uniform(0, Double(canvas.width)), rng.uniform(0, Double(canvas.height)))
    }

    /// A random connected polyline of 5–14 points, thickness 1–3.
    private static func polyline<G: RandomNumberGenerator>(on canvas: inout Canvas, using rng: inout G) {
        let n = rng.integer(in: 5...14)
        var pts: [Vec2] = []
        for _ in 0..<n { pts.append(point(on: canvas, using: &rng)) }
        canvas.strokePolyline(pts, width: Double(rng.integer(in: 1...3)))
    }

    /// 2–4 rectangles / triangles / circles of size 20–49, thickness 1–3.
    private static func shapes<G: RandomNumberGenerator>(on canvas: inout Canvas, using rng: inout G) {
        let s = Double(canvas.width), t = Double(canvas.height)
        for _ in 0..<rng.integer(in: 2...4) {
            let size = Double(rng.integer(in: 20...49))
            let th = Double(rng.integer(in: 1...3))
            let x = rng.uniform(0, max(1, s - size)), y = rng.uniform(0, max(1, t - size))
            switch rng.integer(in: 0...2) {
            case 0:
                canvas.strokePolygon(Canvas.rectangle(origin: Vec2(x, y), size: Vec2(size, size)), width: th)
            case 1:
                canvas.strokePolygon([Vec2(x, y + size), Vec2(x + size, y + size), Vec2(x + size / 2, y)], width: th)
            default:
                let c = Vec2(rng.uniform(size, max(size + 1, s - size)), rng.uniform(size, max(size + 1, t - size)))
                canvas.strokeCircle(center: c, radius: size, width: th)
            }
        }
    }

    /// 3–7 "characters" of 2–4 short strokes each, set left to right along a line.
    private static func textStrokes<G: RandomNumberGenerator>(on canvas: inout Canvas, using rng: inout G) {
        let s = Double(canvas.width), t = Double(canvas.height)
        let chars = rng.integer(in: 3...7)
        let cw = rng.uniform(14, 26), ch = rng.uniform(18, 34), gap = rng.uniform(3, 8)
        let total = Double(chars) * (cw + gap)
        var x = rng.uniform(0, max(1, s - total))
        let y = rng.uniform(0, max(1, t - ch))
        let th = Double(rng.integer(in: 1...3))
        for _ in 0..<chars {
            for _ in 0..<rng.integer(in: 2...4) {
                let a = Vec2(x + rng.uniform(0, cw), y + rng.uniform(0, ch))
                let b = Vec2(x + rng.uniform(0, cw), y + rng.uniform(0, ch))
                canvas.strokeSegment(a, b, width: th)
            }
            x += cw + gap
        }
    }

    /// 2–4 sine waves across the canvas: amplitude 10–29, frequency < 0.1 rad/px, random phase.
    private static func sineWaves<G: RandomNumberGenerator>(on canvas: inout Canvas, using rng: inout G) {
        let s = Double(canvas.width), t = Double(canvas.height)
        for _ in 0..<rng.integer(in: 2...4) {
            let amp = Double(rng.integer(in: 10...29))
            let freq = rng.uniform(0.01, 0.1)
            let phase = rng.uniform(0, 2 * Double.pi)
            let y0 = rng.uniform(amp, max(amp + 1, t - amp))
            let th = Double(rng.integer(in: 1...3))
            var pts: [Vec2] = []
            var x = 0.0
            while x <= s {
                pts.append(Vec2(x, y0 + amp * sin(freq * x + phase)))
                x += 2
            }
            canvas.strokePolyline(pts, width: th)
        }
    }

    /// 3–7 circles, radius 10–39, thickness 1–2.
    private static func circles<G: RandomNumberGenerator>(on canvas: inout Canvas, using rng: inout G) {
        for _ in 0..<rng.integer(in: 3...7) {
            let r = Double(rng.integer(in: 10...39))
            canvas.strokeCircle(center: point(on: canvas, using: &rng), radius: r, width: Double(rng.integer(in: 1...2)))
        }
    }
}
