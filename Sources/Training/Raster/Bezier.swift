/// Bézier curves of any degree ≥ 1 given by their control points, evaluated and flattened with
/// de Casteljau's algorithm (numerically stable, no binomial coefficients).
public enum Bezier {
    /// The point at parameter `t` ∈ [0, 1]; nil without control points.
    public static func point(_ control: [Vec2], at t: Double) -> Vec2? {
        guard !control.isEmpty else { return nil }
        var p = control
        var n = p.count
        while n > 1 {
            for i in 0..<(n - 1) { p[i] = p[i].lerp(p[i + 1], t) }
            n -= 1
        }
        return p[0]
    }

    /// A polyline within `tolerance` pixels of the curve: subdivides at t = ½ (de Casteljau) until
    /// every inner control point lies within `tolerance` of its chord, so straight parts cost two
    /// points and tight bends get as many as they need.
    public static func flatten(_ control: [Vec2], tolerance: Double = 0.2) -> [Vec2] {
        guard let first = control.first else { return [] }
        guard control.count > 1 else { return [first] }
        var out = [first]
        out.reserveCapacity(64)
        subdivide(control, tolerance: max(tolerance, 1e-3), depth: 0, into: &out)
        return out
    }

    private static func subdivide(_ c: [Vec2], tolerance: Double, depth: Int, into out: inout [Vec2]) {
        if depth >= 18 || isFlat(c, tolerance: tolerance) {
            out.append(c[c.count - 1])
            return
        }
        // de Casteljau at ½: the left edge of the triangle is the first half, the right edge the second.
        let n = c.count
        var left = [Vec2](), right = [Vec2](repeating: Vec2(0, 0), count: n)
        left.reserveCapacity(n)
        var work = c
        left.append(work[0])
        right[n - 1] = work[n - 1]
        var m = n
        while m > 1 {
            for i in 0..<(m - 1) { work[i] = work[i].lerp(work[i + 1], 0.5) }
            m -= 1
            left.append(work[0])
            right[m - 1] = work[m - 1]
        }
        subdivide(left, tolerance: tolerance, depth: depth + 1, into: &out)
        subdivide(right, tolerance: tolerance, depth: depth + 1, into: &out)
    }

    private static func isFlat(_ c: [Vec2], tolerance: Double) -> Bool {
        // Distance to the chord *segment* (not its line): control points that overshoot the
        // chord's ends along the same line still bend the curve back and must split.
        let a = c[0], b = c[c.count - 1]
        for i in 1..<(c.count - 1) where Geometry.distanceToSegment(c[i], a, b) > tolerance { return false }
        return true
    }
}
