import Imaging

/// Bézier-stroke "signatures" (SPEC §4): the reference's recipe for valid training images when
/// few real scans exist — a handful of smooth random pen strokes, black on white, landscape.
public struct SyntheticSignatureStyle: Sendable, Equatable {
    /// Output size; the reference drew 4:2 at 1200×600.
    public var width: Int
    public var height: Int
    /// Pen width in output pixels (~2 in the reference).
    public var strokeWidth: Double
    /// Strokes per signature (3–6).
    public var strokeCount: ClosedRange<Int>
    /// Bézier degree per stroke (2–5, i.e. 3–6 control points).
    public var degree: ClosedRange<Int>
    /// Side of the square the control points are drawn from (300).
    public var controlBox: Double
    /// Blank border around the stretched control box, as a share of each side.
    public var margin: Double
    /// What the strokes are drawn on (white for the reference).
    public var background: SignatureBackground

    public init(width: Int = 1200, height: Int = 600, strokeWidth: Double = 2, strokeCount: ClosedRange<Int> = 3...6,
                degree: ClosedRange<Int> = 2...5, controlBox: Double = 300, margin: Double = 0.05,
                background: SignatureBackground = .white) {
        self.width = width
        self.height = height
        self.strokeWidth = strokeWidth
        self.strokeCount = strokeCount
        self.degree = degree
        self.controlBox = controlBox
        self.margin = margin
        self.background = background
    }

    /// The reference's settings.
    public static let reference = SyntheticSignatureStyle()
}

public enum SyntheticSignature {
    /// One Bézier signature (the reference's kind).
    public static func generate<G: RandomNumberGenerator>(style: SyntheticSignatureStyle = .reference,
                                                          using rng: inout G) -> GrayImage {
        generate(.bezier, style: style, using: &rng)
    }

    /// One signature of `kind` on `style.background`.
    public static func generate<G: RandomNumberGenerator>(_ kind: SignatureKind, style: SyntheticSignatureStyle = .reference,
                                                          using rng: inout G) -> GrayImage {
        var canvas = Canvas(width: style.width, height: style.height)
        let scan: Bool
        switch style.background {
        case .white: scan = false
        case .scan: scan = true
        case .mixed: scan = rng.chance(0.5)
        }
        if scan {
            PaperEffects.paper(&canvas, using: &rng)
            if rng.chance(0.35) { PaperEffects.boxRules(&canvas, using: &rng) }
            if rng.chance(0.3) { _ = PaperEffects.dottedBaseline(&canvas, using: &rng) }
        }
        switch kind {
        case .bezier: drawBezier(on: &canvas, style: style, using: &rng)
        case .cursive: CursiveSignature.draw(on: &canvas, strokeWidth: style.strokeWidth, using: &rng)
        case .headline: HeadlineSignature.draw(on: &canvas, strokeWidth: style.strokeWidth, using: &rng)
        case .blocks: BlockSignature.draw(on: &canvas, strokeWidth: style.strokeWidth, using: &rng)
        case .flourish: FlourishSignature.draw(on: &canvas, strokeWidth: style.strokeWidth, using: &rng)
        }
        if scan {
            if rng.chance(0.2) { PaperEffects.streaks(&canvas, using: &rng) }
            if rng.chance(0.3) { PaperEffects.specks(&canvas, using: &rng) }
        }
        return canvas.grayImage()
    }

    /// Control points are uniform in the `controlBox` square, which is stretched onto the landscape
    /// canvas inside the margin (the reference plotted in data coordinates on a 4:2 figure, so its
    /// square box was stretched the same way).
    static func drawBezier<G: RandomNumberGenerator>(on canvas: inout Canvas, style: SyntheticSignatureStyle,
                                                     using rng: inout G) {
        let mx = Double(canvas.width) * style.margin, my = Double(canvas.height) * style.margin
        let sx = (Double(canvas.width) - 2 * mx) / style.controlBox
        let sy = (Double(canvas.height) - 2 * my) / style.controlBox
        let strokes = rng.integer(in: style.strokeCount)
        for _ in 0..<strokes {
            let points = rng.integer(in: style.degree) + 1
            var control: [Vec2] = []
            control.reserveCapacity(points)
            for _ in 0..<points {
                let u = rng.uniform(0, style.controlBox), v = rng.uniform(0, style.controlBox)
                control.append(Vec2(mx + u * sx, my + v * sy))
            }
            canvas.strokeBezier(control, width: style.strokeWidth)
        }
    }
}
