import Foundation

/// A point or offset in canvas coordinates: x to the right, y downwards, in pixels; pixel (i, j)
/// covers [i, i+1) × [j, j+1), so its centre is (i + 0.5, j + 0.5).
public struct Vec2: Equatable, Sendable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }

    @inlinable public static func + (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x + b.x, a.y + b.y) }
    @inlinable public static func - (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x - b.x, a.y - b.y) }
    @inlinable public static func * (a: Vec2, s: Double) -> Vec2 { Vec2(a.x * s, a.y * s) }
    @inlinable public func dot(_ b: Vec2) -> Double { x * b.x + y * b.y }
    @inlinable public var length: Double { (x * x + y * y).squareRoot() }

    /// Linear interpolation: `self` at t = 0, `b` at t = 1.
    @inlinable public func lerp(_ b: Vec2, _ t: Double) -> Vec2 { Vec2(x + (b.x - x) * t, y + (b.y - y) * t) }

    /// This point rotated by `angle` radians (clockwise on screen, since y points down) about `center`.
    public func rotated(by angle: Double, about center: Vec2) -> Vec2 {
        let c = cos(angle), s = sin(angle)
        let dx = x - center.x, dy = y - center.y
        return Vec2(center.x + dx * c - dy * s, center.y + dx * s + dy * c)
    }
}
