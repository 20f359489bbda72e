/// What a scanner adds around the content of a signature box: paper tone and texture, sensor
/// noise, form rules, dotted baselines, streaks, dust and lid shadows. All operate on a `Canvas`
/// in darkness units; sizes scale with the canvas height (designed at 300 px).
enum PaperEffects {
    /// Uneven paper tone: a base darkness, a smooth low-frequency variation and fine grain, seen
    /// through a scanner's white point. Most scanners clip paper to pure white; where tone and
    /// grain survive the clip, the seed preprocessing (histogram equalisation, then an adaptive
    /// threshold with C = 2) turns them into dense speckle — so most images here clip the paper
    /// completely (clean background) and about a third keep some texture, partly or overall.
    static func paper<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        let base = Float(rng.uniform(0, 0.07))
        let swing = Float(rng.uniform(0, 0.04))
        let grain = Float(rng.uniform(0.004, 0.03))
        let whitePoint: Float
        switch rng.uniform(0, 1) {
        case ..<0.65: whitePoint = base + swing + 2.5 * grain       // everything clips: clean white
        case ..<0.9: whitePoint = base + swing * Float(rng.uniform(0, 1)) + grain * Float(rng.uniform(0, 2))  // patches
        default: whitePoint = 0                                       // unclipped tone and grain
        }
        let gx = 10, gy = 6
        var grid = [Float](repeating: 0, count: (gx + 1) * (gy + 1))
        for i in grid.indices { grid[i] = Float(rng.uniform(-1, 1)) * swing }
        let w = canvas.width, h = canvas.height
        guard w > 0, h > 0 else { return }
        let fx = Float(gx) / Float(max(1, w - 1)), fy = Float(gy) / Float(max(1, h - 1))
        canvas.ink.withUnsafeMutableBufferPointer { ink in
            for y in 0..<h {
                let gyf = Float(y) * fy
                let j = min(gy - 1, Int(gyf)), ty = gyf - Float(j)
                for x in 0..<w {
                    let gxf = Float(x) * fx
                    let i = min(gx - 1, Int(gxf)), tx = gxf - Float(i)
                    let a = grid[j * (gx + 1) + i], b = grid[j * (gx + 1) + i + 1]
                    let c = grid[(j + 1) * (gx + 1) + i], d = grid[(j + 1) * (gx + 1) + i + 1]
                    let smooth = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty
                    let tone = base + smooth + grain * triangular(&rng) - whitePoint
                    if tone > 0 { ink[y * w + x] += tone }
                }
            }
        }
    }

    /// A zero-mean noise value with unit standard deviation and bounded support (±√6): the sum
    /// of two uniforms, far cheaper than a Gaussian and indistinguishable as sensor grain.
    @inline(__always)
    static func triangular<G: RandomNumberGenerator>(_ rng: inout G) -> Float {
        let r = rng.next()
        let u1 = Float(r & 0xFFFF) * (1 / 65535), u2 = Float((r >> 16) & 0xFFFF) * (1 / 65535)
        return (u1 + u2 - 1) * 2.449_49
    }

    /// Printed form rules: some sides of a box near the canvas edges.
    static func boxRules<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height), k = h / 300
        let th = rng.uniform(1, 3) * k
        let dark = Float(rng.uniform(0.55, 1))
        let l = rng.uniform(0, 0.08) * w, r = w - rng.uniform(0, 0.08) * w
        let t = rng.uniform(0, 0.1) * h, b = h - rng.uniform(0, 0.1) * h
        if rng.chance(0.8) { canvas.strokeSegment(Vec2(-10, t), Vec2(w + 10, t), width: th, intensity: dark) }
        if rng.chance(0.8) { canvas.strokeSegment(Vec2(-10, b), Vec2(w + 10, b), width: th, intensity: dark) }
        if rng.chance(0.6) { canvas.strokeSegment(Vec2(l, -10), Vec2(l, h + 10), width: th, intensity: dark) }
        if rng.chance(0.6) { canvas.strokeSegment(Vec2(r, -10), Vec2(r, h + 10), width: th, intensity: dark) }
    }

    /// A dotted (or dashed) signature baseline, sometimes with the "X" that marks where to sign.
    static func dottedBaseline<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) -> (y: Double, x0: Double) {
        let w = Double(canvas.width), h = Double(canvas.height), k = h / 300
        let y = rng.uniform(0.62, 0.88) * h
        let x0 = rng.uniform(0.03, 0.18) * w, x1 = rng.uniform(0.8, 0.97) * w
        let dark = Float(rng.uniform(0.5, 1))
        let dashed = rng.chance(0.3)
        let pitch = rng.uniform(3, 9) * k
        let dot = rng.uniform(0.8, 2) * k
        var x = x0
        while x < x1 {
            if dashed {
                canvas.strokeSegment(Vec2(x, y), Vec2(min(x1, x + pitch * 0.6), y), width: dot, intensity: dark)
                x += pitch * 1.2
            } else {
                canvas.fillCircle(center: Vec2(x, y), radius: dot / 2 + 0.3, intensity: dark)
                x += pitch
            }
        }
        if rng.chance(0.35) {
            let s = rng.uniform(8, 16) * k, cx = x0 + s, cy = y - s * 0.9
            let th = rng.uniform(1.2, 2.5) * k
            canvas.strokeSegment(Vec2(cx - s / 2, cy - s / 2), Vec2(cx + s / 2, cy + s / 2), width: th, intensity: dark)
            canvas.strokeSegment(Vec2(cx - s / 2, cy + s / 2), Vec2(cx + s / 2, cy - s / 2), width: th, intensity: dark)
        }
        return (y, x0)
    }

    /// Scanner streaks: long thin lines across the whole scan, mostly along the feed direction.
    static func streaks<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height), k = h / 300
        let vertical = rng.chance(0.7)
        for _ in 0..<rng.integer(in: 1...3) {
            let th = rng.uniform(0.6, 3) * k
            let dark = Float(rng.uniform(0.08, 0.45))
            if vertical {
                let x = rng.uniform(0, w)
                canvas.strokeSegment(Vec2(x, -5), Vec2(x + rng.uniform(-2, 2), h + 5), width: th, intensity: dark)
            } else {
                let y = rng.uniform(0, h)
                canvas.strokeSegment(Vec2(-5, y), Vec2(w + 5, y + rng.uniform(-2, 2)), width: th, intensity: dark)
            }
        }
    }

    /// Dust and toner specks.
    static func specks<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        let w = Double(canvas.width), h = Double(canvas.height), k = h / 300
        for _ in 0..<rng.integer(in: 3...40) {
            canvas.fillCircle(center: Vec2(rng.uniform(0, w), rng.uniform(0, h)), radius: rng.uniform(0.3, 1.6) * k,
                              intensity: Float(rng.uniform(0.3, 1)))
        }
    }

    /// The grey band a scanner lid or a page edge leaves along one side.
    static func edgeShadow<G: RandomNumberGenerator>(_ canvas: inout Canvas, using rng: inout G) {
        let w = canvas.width, h = canvas.height
        let side = rng.integer(in: 0...3)
        let depth = max(1, Int(rng.uniform(0.02, 0.08) * Double(side < 2 ? w : h)))
        let dark = Float(rng.uniform(0.15, 0.6))
        canvas.ink.withUnsafeMutableBufferPointer { ink in
            for y in 0..<h {
                for x in 0..<w {
                    let d: Int
                    switch side {
                    case 0: d = x
                    case 1: d = w - 1 - x
                    case 2: d = y
                    default: d = h - 1 - y
                    }
                    if d < depth { ink[y * w + x] += dark * (1 - Float(d) / Float(depth)) }
                }
            }
        }
    }
}
