import Foundation
import Imaging

/// The kinds of synthetic valid images. Raw values name the files (`valid/<kind>_NNNNNN.png`)
/// and the CLI's `--signature-kinds`.
public enum SignatureKind: String, CaseIterable, Sendable {
    /// The reference's random Bézier strokes (SPEC §4).
    case bezier
    /// Handwriting-like: a continuous oscillating pen path with loops, slant, pen lifts and
    /// varying pressure — closer to real signatures than the reference's strokes.
    case cursive
    /// A name in a script whose letters hang from a line across each word (Devanagari, Bengali).
    case headline
    /// A name of two to four square logographic characters (Chinese, Japanese kanji).
    case blocks
    /// Stylised hands: an initial inside a large loop, an initial run on into a zigzag, a name on
    /// two lines, or capitals with a long paraph (`FlourishSignature`).
    case flourish

    /// The Latin-hand kinds, all there were before the script kinds (`latin` in a list).
    public static let latin: [SignatureKind] = [.bezier, .cursive]

    /// Parses a comma-separated list (`all` = every kind, `latin` = bezier and cursive).
    public static func parseList(_ text: String) throws -> [SignatureKind] {
        var out: [SignatureKind] = []
        for raw in text.split(separator: ",") {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if name.isEmpty { continue }
            let members: [SignatureKind]
            if name == "all" {
                members = allCases
            } else if name == "latin" {
                members = latin
            } else if let k = SignatureKind(rawValue: name) {
                members = [k]
            } else {
                throw SignatureKindError.unknown(name)
            }
            for m in members where !out.contains(m) { out.append(m) }
        }
        guard !out.isEmpty else { throw SignatureKindError.empty }
        return out
    }
}

public enum SignatureKindError: Error, CustomStringConvertible, Equatable {
    case unknown(String)
    case empty

    public var description: String {
        switch self {
        case .unknown(let name):
            return "unknown signature kind '\(name)'; known: \(SignatureKind.allCases.map(\.rawValue).joined(separator: ", ")), latin, all"
        case .empty: return "no signature kinds given"
        }
    }
}

/// What a synthetic signature is drawn on.
public enum SignatureBackground: String, CaseIterable, Sendable {
    /// Pure white, as the reference.
    case white
    /// Paper tone and grain, and sometimes the box rules, baseline, streaks and specks of a scanned
    /// form — the same effects the realistic non-signatures get, so background alone never tells
    /// the classes apart.
    case scan
    /// Each image draws white or scan with equal probability.
    case mixed
}

/// Handwriting-like signatures: a pen path x(t) = advance·t + Aₓ·sin(2πt + φ), y(t) = −A(t)·sin(2πrt + ψ)
/// (oscillations that make loops, as in models of cursive handwriting), slanted, split into 1–3
/// words by pen lifts, with pressure-varying width and an optional underline flourish.
enum CursiveSignature {
    static func draw<G: RandomNumberGenerator>(on canvas: inout Canvas, strokeWidth: Double, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height)
        let boxW = rng.uniform(0.45, 0.9) * w, boxH = rng.uniform(0.25, 0.5) * h
        let x0 = rng.uniform(0.04 * w, max(0.05 * w, w - boxW - 0.04 * w))
        let baseline = rng.uniform(0.45, 0.75) * h
        let baseWidth = writeName(on: &canvas, x0: x0, baseline: baseline, boxW: boxW, boxH: boxH, strokeWidth: strokeWidth,
                                  using: &rng)
        if rng.chance(0.5) {
            // Underline or paraph: one Bézier sweep under or through the name.
            let y = baseline + rng.uniform(0.02, 0.15) * h
            let a = Vec2(x0 + rng.uniform(-0.05, 0.2) * boxW, y + rng.uniform(-0.05, 0.05) * h)
            let d = Vec2(x0 + boxW * rng.uniform(0.8, 1.1), y + rng.uniform(-0.1, 0.05) * h)
            let b = Vec2(a.x + (d.x - a.x) * 0.33, y + rng.uniform(-0.15, 0.15) * h)
            let c = Vec2(a.x + (d.x - a.x) * 0.66, y + rng.uniform(-0.15, 0.15) * h)
            canvas.strokeBezier([a, b, c, d], width: baseWidth * 0.9)
        }
    }

    /// The cursive words of a name in the box of `boxW`×`boxH` whose left end is `x0` and whose
    /// baseline is `baseline` (letters rise above it); returns the pen's base width.
    @discardableResult
    static func writeName<G: RandomNumberGenerator>(on canvas: inout Canvas, x0: Double, baseline: Double, boxW: Double,
                                                    boxH: Double, strokeWidth: Double, using rng: inout G) -> Double {
        let words = rng.integer(in: 1...3)
        let letters = (0..<words).map { _ in rng.integer(in: 3...8) }
        let gap = rng.uniform(0.3, 1.0)  // between words, in letter widths
        let totalUnits = Double(letters.reduce(0, +)) + gap * Double(words - 1)
        let advance = boxW / totalUnits
        let slant = rng.uniform(-0.1, 0.6)
        let loopX = advance * rng.uniform(0.1, 0.45)
        let ratio = rng.pick([1.0, 1.0, 2.0, 0.5])
        let phaseX = rng.uniform(0, 2 * Double.pi)
        let baseWidth = strokeWidth * rng.uniform(0.8, 1.6)
        var start = 0.0
        for (wi, n) in letters.enumerated() {
            // Letter heights: mostly x-height, some ascenders/descenders, a capital first.
            let heights = (0..<n).map { i -> Double in
                if wi == 0 && i == 0 { return boxH * rng.uniform(0.7, 1.0) }
                return boxH * (rng.chance(0.25) ? rng.uniform(0.6, 0.95) : rng.uniform(0.2, 0.4))
            }
            let psi = rng.uniform(0, 2 * Double.pi)
            let samples = n * 48
            var pts: [Vec2] = []
            var widths: [Double] = []
            pts.reserveCapacity(samples + 1)
            for s in 0...samples {
                let t = Double(s) / 48
                let i = min(n - 1, Int(t))
                let f = t - Double(i)
                let next = min(n - 1, i + 1)
                let amp = heights[i] + (heights[next] - heights[i]) * f * f * (3 - 2 * f)  // smooth between letters
                let yy = -amp * 0.5 * (1 - cos(2 * Double.pi * ratio * t + psi))
                let xx = advance * (start + t) + loopX * sin(2 * Double.pi * t + phaseX)
                pts.append(Vec2(x0 + xx - slant * yy, baseline + yy))
                widths.append(baseWidth * (0.85 + 0.25 * sin(2 * Double.pi * t * 0.37 + psi)))
            }
            for k in 0..<(pts.count - 1) {
                canvas.strokeSegment(pts[k], pts[k + 1], width: widths[k], intensity: 1)
            }
            start += Double(n) + gap
        }
        return baseWidth
    }
}
