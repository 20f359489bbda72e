import Imaging

/// How a real signature scan changes between back offices: another scanner's resolution and blur,
/// another pen's strength, another writer's slant, paper tone and dust, and the form around the
/// signature — rules, baselines and box edges crossing the strokes, or a box that cut the signature
/// off. `ScanConditions.copy` redraws one scan under a random draw of these, so a model trained on a
/// few hundred scans from a few scanners sees the conditions of many.
///
/// Not in the reference recipe: `TrainingConfiguration.scanConditionCopies` adds these copies for the
/// `calibrated` recipe only.
public struct ScanConditions: Sendable, Equatable {
    /// Output size relative to the input (0.35 ≈ a 600 dpi scan seen at 200 dpi).
    public var scale: Double
    /// Horizontal shear: x += shear · (y − centre); positive leans the strokes right.
    public var shear: Double
    /// Ink darkness multiplier (faint ballpoint < 1).
    public var inkStrength: Double
    /// Share of the width or height cut from one side (0 = none).
    public var cropShare: Double
    /// Which side the crop takes: 0 left, 1 right, 2 top, 3 bottom.
    public var cropSide: Int
    /// A rule crossing the strokes at this share of the height (nil = none).
    public var ruleAt: Double?
    /// Box edges around the signature.
    public var boxRules: Bool
    /// A light 3×3 blur after resampling (defocus, low-end scanners).
    public var blur: Bool

    public init(scale: Double, shear: Double, inkStrength: Double, cropShare: Double, cropSide: Int, ruleAt: Double?,
                boxRules: Bool, blur: Bool) {
        self.scale = scale
        self.shear = shear
        self.inkStrength = inkStrength
        self.cropShare = cropShare
        self.cropSide = cropSide
        self.ruleAt = ruleAt
        self.boxRules = boxRules
        self.blur = blur
    }

    /// The ranges every draw comes from.
    public static func random<G: RandomNumberGenerator>(using rng: inout G) -> ScanConditions {
        ScanConditions(
            scale: rng.chance(0.5) ? rng.uniform(0.35, 1) : 1,
            shear: rng.chance(0.5) ? rng.uniform(-0.3, 0.3) : 0,
            inkStrength: rng.chance(0.4) ? rng.uniform(0.45, 0.9) : 1,
            cropShare: rng.chance(0.2) ? rng.uniform(0.03, 0.12) : 0,
            cropSide: rng.integer(in: 0...3),
            ruleAt: rng.chance(0.35) ? rng.uniform(0.55, 0.95) : nil,
            boxRules: rng.chance(0.2),
            blur: rng.chance(0.3))
    }

    /// `image` redrawn under a random draw of conditions, with paper tone, grain and dust.
    public static func copy<G: RandomNumberGenerator>(of image: GrayImage, using rng: inout G) -> GrayImage {
        random(using: &rng).apply(to: image, using: &rng)
    }

    /// Applies these conditions; `rng` draws the paper and the rules' look.
    public func apply<G: RandomNumberGenerator>(to image: GrayImage, using rng: inout G) -> GrayImage {
        var canvas = resampled(image)
        cropped(&canvas)
        let h = Double(canvas.height), w = Double(canvas.width), k = max(1, h / 300)
        if let at = ruleAt {
            let dark = Float(rng.uniform(0.5, 1))
            canvas.strokeSegment(Vec2(-10, at * h), Vec2(w + 10, at * h), width: rng.uniform(1, 2.5) * k, intensity: dark)
        }
        if boxRules { PaperEffects.boxRules(&canvas, using: &rng) }
        var paper = Canvas(width: canvas.width, height: canvas.height)
        PaperEffects.paper(&paper, using: &rng)
        for i in canvas.ink.indices { canvas.ink[i] = min(1, canvas.ink[i]) + paper.ink[i] }
        if rng.chance(0.3) { PaperEffects.specks(&canvas, using: &rng) }
        let out = canvas.grayImage()
        return blur ? Self.blur3x3(out) : out
    }

    /// The scan as darkness, scaled, sheared and weakened (bilinear sampling of the inverse map).
    func resampled(_ image: GrayImage) -> Canvas {
        let sw = image.width, sh = image.height
        let ow = max(8, Int((Double(sw) * scale).rounded())), oh = max(8, Int((Double(sh) * scale).rounded()))
        let extra = Int((abs(shear) * Double(oh)).rounded(.up))
        var canvas = Canvas(width: ow + extra, height: oh)
        let cy = Double(oh) / 2, offset = Double(extra) / 2
        let strength = Float(inkStrength)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<oh {
                let sy = (Double(y) + 0.5) / scale - 0.5
                for x in 0..<(ow + extra) {
                    let ux = Double(x) - offset + shear * (Double(y) - cy)
                    let sx = (ux + 0.5) / scale - 0.5
                    let d = 1 - Self.bilinear(src, sw, sh, sx, sy) / 255
                    canvas.ink[y * canvas.width + x] = d * strength
                }
            }
        }
        return canvas
    }

    /// Cuts `cropShare` of the canvas off `cropSide`.
    func cropped(_ canvas: inout Canvas) {
        guard cropShare > 0 else { return }
        let w = canvas.width, h = canvas.height
        let cutX = cropSide < 2 ? Int(Double(w) * cropShare) : 0, cutY = cropSide >= 2 ? Int(Double(h) * cropShare) : 0
        let x0 = cropSide == 0 ? cutX : 0, y0 = cropSide == 2 ? cutY : 0
        var out = Canvas(width: w - cutX, height: h - cutY)
        for y in 0..<out.height {
            for x in 0..<out.width { out.ink[y * out.width + x] = canvas.ink[(y + y0) * w + x + x0] }
        }
        canvas = out
    }

    /// Paper white outside the image; bilinear inside.
    static func bilinear(_ p: UnsafeBufferPointer<UInt8>, _ w: Int, _ h: Int, _ x: Double, _ y: Double) -> Float {
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = Float(x - Double(x0)), fy = Float(y - Double(y0))
        func at(_ xi: Int, _ yi: Int) -> Float {
            xi < 0 || yi < 0 || xi >= w || yi >= h ? 255 : Float(p[yi * w + xi])
        }
        let top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * fx
        let bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * fx
        return top + (bottom - top) * fy
    }

    /// `[1 2 1]ᵀ[1 2 1] / 16`, edges replicated.
    static func blur3x3(_ image: GrayImage) -> GrayImage {
        let w = image.width, h = image.height
        var out = image
        for y in 0..<h {
            for x in 0..<w {
                var s = 0
                for dy in -1...1 {
                    for dx in -1...1 {
                        let weight = (dx == 0 ? 2 : 1) * (dy == 0 ? 2 : 1)
                        s += weight * Int(image.pixels[Border.replicate(y + dy, h) * w + Border.replicate(x + dx, w)])
                    }
                }
                out.pixels[y * w + x] = UInt8((s + 8) >> 4)
            }
        }
        return out
    }
}
