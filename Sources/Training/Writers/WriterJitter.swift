import Foundation
import NeuralNet

/// How a training input is disturbed each time it is drawn: a shift by whole pixels and, when
/// `maxScale` or `maxRotation` is set, a random scale and rotation about the centre as well
/// (bilinear, ink outside the image dropped) — the same signature written a little larger, smaller
/// or tilted. Without a warp no random number is drawn for it, so earlier runs repeat bit for bit.
public struct WriterJitter: Sendable, Equatable {
    /// Largest shift, in pixels, each way (0: none).
    public var maxShift = 3
    /// Largest relative change of size each way (0.1: 0.9–1.1×; 0: none); x and y drawn apart.
    public var maxScale = 0.0
    /// Largest rotation each way, in degrees (0: none).
    public var maxRotation = 0.0

    public init() {}

    var warps: Bool { maxScale > 0 || maxRotation > 0 }

    /// `image` (height·width bytes, ink 255) disturbed by one draw from `rng`, as floats in [0, 1].
    public func applied(to image: [UInt8], height h: Int, width w: Int, rng: inout SeededGenerator) -> [Float] {
        var out = [Float](repeating: 0, count: h * w)
        out.withUnsafeMutableBufferPointer { apply(image, height: h, width: w, into: $0, rng: &rng) }
        return out
    }

    /// `applied(to:…)` into `out`, which holds zeros.
    func apply(_ image: [UInt8], height h: Int, width w: Int, into out: UnsafeMutableBufferPointer<Float>,
               rng: inout SeededGenerator) {
        let shift = (dy: Self.shift(maxShift, &rng), dx: Self.shift(maxShift, &rng))
        if warps {
            warp(image, height: h, width: w, shift: shift, into: out, rng: &rng)
        } else {
            Self.place(image, height: h, width: w, shift: shift, into: out)
        }
    }

    /// `image` moved by whole pixels (pixels nothing lands on keep their 0).
    private static func place(_ image: [UInt8], height h: Int, width w: Int, shift: (dy: Int, dx: Int),
                              into out: UnsafeMutableBufferPointer<Float>) {
        let (dy, dx) = shift
        for y in max(0, dy)..<min(h, h + dy) {
            for x in max(0, dx)..<min(w, w + dx) { out[y * w + x] = Float(image[(y - dy) * w + x - dx]) / 255 }
        }
    }

    private static func shift(_ limit: Int, _ rng: inout SeededGenerator) -> Int {
        limit == 0 ? 0 : Int(rng.next() % UInt64(2 * limit + 1)) - limit
    }

    /// `image` (height·width bytes, ink 255) scaled, rotated about its centre and shifted, as
    /// floats in [0, 1] into `out`.
    private func warp(_ image: [UInt8], height h: Int, width w: Int, shift: (dy: Int, dx: Int),
              into out: UnsafeMutableBufferPointer<Float>, rng: inout SeededGenerator) {
        let sx = 1 + maxScale * rng.uniform(-1, 1), sy = 1 + maxScale * rng.uniform(-1, 1)
        let angle = maxRotation * rng.uniform(-1, 1) * .pi / 180
        let (c, s) = (cos(angle), sin(angle))
        let (cy, cx) = (Double(h - 1) / 2, Double(w - 1) / 2)
        for y in 0..<h {
            for x in 0..<w {
                // Output pixel → source pixel: undo the shift, the rotation, then the scale.
                let (u, v) = (Double(x - shift.dx) - cx, Double(y - shift.dy) - cy)
                let srcX = (c * u + s * v) / sx + cx, srcY = (-s * u + c * v) / sy + cy
                out[y * w + x] = Self.bilinear(image, height: h, width: w, x: srcX, y: srcY)
            }
        }
    }

    /// The image at (x, y) by bilinear interpolation, 0 outside it, in [0, 1].
    static func bilinear(_ image: [UInt8], height h: Int, width w: Int, x: Double, y: Double) -> Float {
        let (x0, y0) = (Int(x.rounded(.down)), Int(y.rounded(.down)))
        let (fx, fy) = (x - Double(x0), y - Double(y0))
        func at(_ yy: Int, _ xx: Int) -> Double { yy >= 0 && yy < h && xx >= 0 && xx < w ? Double(image[yy * w + xx]) : 0 }
        let top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
        let bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
        return Float((top * (1 - fy) + bottom * fy) / 255)
    }
}
