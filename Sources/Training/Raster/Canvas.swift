import Imaging

/// Small geometric helpers shared by the rasteriser and the curve flattener.
enum Geometry {
    /// Euclidean distance from `p` to the segment `a`–`b` (to `a` when the segment is a point).
    @inline(__always)
    static func distanceToSegment(_ p: Vec2, _ a: Vec2, _ b: Vec2) -> Double {
        let abx = b.x - a.x, aby = b.y - a.y
        let apx = p.x - a.x, apy = p.y - a.y
        let len2 = abx * abx + aby * aby
        var t = len2 > 0 ? (apx * abx + apy * aby) / len2 : 0
        t = t < 0 ? 0 : (t > 1 ? 1 : t)
        let dx = apx - t * abx, dy = apy - t * aby
        return (dx * dx + dy * dy).squareRoot()
    }
}

/// An anti-aliased drawing surface holding ink *darkness* per pixel: 0 is bare white paper, 1 is
/// full black ink. Working in darkness lets strokes combine by `max` (overlapping strokes of one pen
/// do not get darker, joins stay clean) while paper effects add up; `grayImage()` then gives the usual
/// black-on-white 8-bit picture. Anti-aliasing is coverage-based: a pixel's ink is the share of a
/// one-pixel box around its centre covered by the shape, estimated from the signed distance to the
/// shape's edge (exact for straight edges, within a few percent on curves).
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    /// `height` rows of `width` darkness values, top row first.
    public var ink: [Float]

    /// A blank (white) canvas; negative sizes count as 0.
    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        ink = [Float](repeating: 0, count: self.width * self.height)
    }

    // MARK: Strokes

    /// A thick line with round caps.
    public mutating func strokeSegment(_ a: Vec2, _ b: Vec2, width lineWidth: Double, intensity: Float = 1) {
        let r = lineWidth / 2
        let reach = r + 1
        let scale = Float(min(1, lineWidth)) * intensity  // hairlines thinner than a pixel lighten
        let x0 = max(0, Int((min(a.x, b.x) - reach).rounded(.down)))
        let x1 = min(width - 1, Int((max(a.x, b.x) + reach).rounded(.up)))
        let y0 = max(0, Int((min(a.y, b.y) - reach).rounded(.down)))
        let y1 = min(height - 1, Int((max(a.y, b.y) + reach).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let w = width
        ink.withUnsafeMutableBufferPointer { buf in
            let dy = b.y - a.y
            for y in y0...y1 {
                let py = Double(y) + 0.5
                let row = y * w
                // Only the part of the segment within `reach` of this row can ink it: a long
                // diagonal then costs its length times its width, not its bounding box.
                var xa = x0, xb = x1
                if abs(dy) > 1e-9 {
                    let t0 = min(1, max(0, (py - reach - a.y) / dy)), t1 = min(1, max(0, (py + reach - a.y) / dy))
                    let ea = a.x + (b.x - a.x) * t0, eb = a.x + (b.x - a.x) * t1
                    xa = max(x0, Int((min(ea, eb) - reach).rounded(.down)))
                    xb = min(x1, Int((max(ea, eb) + reach).rounded(.up)))
                    if xa > xb { continue }
                }
                for x in xa...xb {
                    let d = Geometry.distanceToSegment(Vec2(Double(x) + 0.5, py), a, b)
                    let cover = r + 0.5 - d
                    if cover <= 0 { continue }
                    let v = Float(cover >= 1 ? 1 : cover) * scale
                    if v > buf[row + x] { buf[row + x] = v }
                }
            }
        }
    }

    /// A thick polyline with round caps and round joins (`closed` joins the last point to the first).
    public mutating func strokePolyline(_ points: [Vec2], width lineWidth: Double, intensity: Float = 1,
                                        closed: Bool = false) {
        guard let first = points.first else { return }
        if points.count == 1 {
            strokeSegment(first, first, width: lineWidth, intensity: intensity)
            return
        }
        for i in 0..<(points.count - 1) {
            strokeSegment(points[i], points[i + 1], width: lineWidth, intensity: intensity)
        }
        if closed, points.count > 2 {
            strokeSegment(points[points.count - 1], first, width: lineWidth, intensity: intensity)
        }
    }

    /// A Bézier curve of any degree (2–5 in practice) through de Casteljau flattening.
    public mutating func strokeBezier(_ control: [Vec2], width lineWidth: Double, intensity: Float = 1) {
        strokePolyline(Bezier.flatten(control, tolerance: 0.2), width: lineWidth, intensity: intensity)
    }

    /// A circle outline of line width `lineWidth` centred on the circle of `radius`.
    public mutating func strokeCircle(center: Vec2, radius: Double, width lineWidth: Double, intensity: Float = 1) {
        let r = lineWidth / 2
        let scale = Float(min(1, lineWidth)) * intensity
        let reach = radius + r + 1
        forEachPixel(in: center, reach: reach) { p in
            let d = abs((p - center).length - radius)
            let cover = r + 0.5 - d
            return cover <= 0 ? 0 : Float(cover >= 1 ? 1 : cover) * scale
        }
    }

    /// A filled disc.
    public mutating func fillCircle(center: Vec2, radius: Double, intensity: Float = 1) {
        forEachPixel(in: center, reach: radius + 1) { p in
            let cover = radius + 0.5 - (p - center).length
            return cover <= 0 ? 0 : Float(cover >= 1 ? 1 : cover) * intensity
        }
    }

    // MARK: Polygons

    /// The outline of a closed polygon.
    public mutating func strokePolygon(_ vertices: [Vec2], width lineWidth: Double, intensity: Float = 1) {
        strokePolyline(vertices, width: lineWidth, intensity: intensity, closed: true)
    }

    /// A filled polygon (non-zero winding rule), any shape, anti-aliased edges.
    public mutating func fillPolygon(_ vertices: [Vec2], intensity: Float = 1) {
        guard vertices.count >= 3 else { return }
        let xs = vertices.map(\.x), ys = vertices.map(\.y)
        let x0 = max(0, Int((xs.min()! - 1).rounded(.down))), x1 = min(width - 1, Int((xs.max()! + 1).rounded(.up)))
        let y0 = max(0, Int((ys.min()! - 1).rounded(.down))), y1 = min(height - 1, Int((ys.max()! + 1).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let n = vertices.count
        let w = width
        ink.withUnsafeMutableBufferPointer { buf in
            for y in y0...y1 {
                let py = Double(y) + 0.5
                for x in x0...x1 {
                    let p = Vec2(Double(x) + 0.5, py)
                    var winding = 0
                    var dist = Double.infinity
                    var j = n - 1
                    for i in 0..<n {
                        let a = vertices[j], b = vertices[i]
                        dist = min(dist, Geometry.distanceToSegment(p, a, b))
                        if a.y <= py {
                            if b.y > py, (b.x - a.x) * (py - a.y) - (p.x - a.x) * (b.y - a.y) > 0 { winding += 1 }
                        } else if b.y <= py, (b.x - a.x) * (py - a.y) - (p.x - a.x) * (b.y - a.y) < 0 {
                            winding -= 1
                        }
                        j = i
                    }
                    let signed = winding != 0 ? -dist : dist
                    let cover = 0.5 - signed
                    if cover <= 0 { continue }
                    let v = Float(cover >= 1 ? 1 : cover) * intensity
                    if v > buf[y * w + x] { buf[y * w + x] = v }
                }
            }
        }
    }

    /// The four corners of a `size` rectangle at `origin` (top-left), turned by `angle` radians about its centre.
    public static func rectangle(origin: Vec2, size: Vec2, angle: Double = 0) -> [Vec2] {
        let corners = [origin, Vec2(origin.x + size.x, origin.y), origin + size, Vec2(origin.x, origin.y + size.y)]
        guard angle != 0 else { return corners }
        let c = origin + size * 0.5
        return corners.map { $0.rotated(by: angle, about: c) }
    }

    // MARK: Paper effects

    /// Adds `darkness` to every pixel (paper tone); results are clamped when converted.
    public mutating func addUniform(_ darkness: Float) {
        ink.withUnsafeMutableBufferPointer { buf in
            for i in buf.indices { buf[i] += darkness }
        }
    }

    /// Calls `coverage` for every pixel centre within `reach` of `center` and keeps the darker value.
    private mutating func forEachPixel(in center: Vec2, reach: Double, _ coverage: (Vec2) -> Float) {
        let x0 = max(0, Int((center.x - reach).rounded(.down))), x1 = min(width - 1, Int((center.x + reach).rounded(.up)))
        let y0 = max(0, Int((center.y - reach).rounded(.down))), y1 = min(height - 1, Int((center.y + reach).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let w = width
        ink.withUnsafeMutableBufferPointer { buf in
            for y in y0...y1 {
                let py = Double(y) + 0.5
                for x in x0...x1 {
                    let v = coverage(Vec2(Double(x) + 0.5, py))
                    if v > buf[y * w + x] { buf[y * w + x] = v }
                }
            }
        }
    }

    // MARK: Output

    /// The black-on-white 8-bit picture: `255·(1 − darkness)`, darkness clamped to [0, 1], rounded.
    public func grayImage() -> GrayImage {
        var pixels = [UInt8](repeating: 255, count: width * height)
        ink.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for i in src.indices {
                    let d = src[i]
                    let c: Float = d <= 0 ? 0 : (d >= 1 ? 1 : d)
                    dst[i] = UInt8((255 * (1 - c)).rounded())
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }
}
