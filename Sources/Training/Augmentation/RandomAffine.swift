import Foundation
import Imaging

/// The ranges of Keras `ImageDataGenerator`'s random affine transform.
public struct AffineRanges: Sendable, Equatable {
    /// Rotation drawn from ±`rotationDegrees`.
    public var rotationDegrees: Double
    /// Shifts drawn from ±share of the width / height.
    public var widthShift: Double
    public var heightShift: Double
    /// Zoom factors drawn from [1 − zoom, 1 + zoom], independently per axis.
    public var zoom: Double

    public init(rotationDegrees: Double, widthShift: Double, heightShift: Double, zoom: Double) {
        self.rotationDegrees = rotationDegrees
        self.widthShift = widthShift
        self.heightShift = heightShift
        self.zoom = zoom
    }

    /// The reference's autoencoder augmentation: rotation 15, shifts 0.1, zoom 0.1.
    public static let reference = AffineRanges(rotationDegrees: 15, widthShift: 0.1, heightShift: 0.1, zoom: 0.1)
}

/// One drawn affine transform in Keras' terms: `tx`/`zx` act along rows (height), `ty`/`zy`
/// along columns (width).
public struct AffineTransform: Sendable, Equatable {
    public var thetaDegrees: Double
    /// Shift in pixels along the row axis (vertical).
    public var tx: Double
    /// Shift in pixels along the column axis (horizontal).
    public var ty: Double
    public var zx: Double
    public var zy: Double

    public init(thetaDegrees: Double = 0, tx: Double = 0, ty: Double = 0, zx: Double = 1, zy: Double = 1) {
        self.thetaDegrees = thetaDegrees
        self.tx = tx
        self.ty = ty
        self.zx = zx
        self.zy = zy
    }

    public static let identity = AffineTransform()

    /// Keras' draw for an image of `width`×`height`: θ ~ U(±rotation), tx ~ U(±heightShift)·height,
    /// ty ~ U(±widthShift)·width, (zx, zy) ~ U(1 ± zoom) each.
    public static func random<G: RandomNumberGenerator>(_ ranges: AffineRanges, width: Int, height: Int,
                                                        using rng: inout G) -> AffineTransform {
        let theta = rng.uniform(-ranges.rotationDegrees, ranges.rotationDegrees)
        let tx = rng.uniform(-ranges.heightShift, ranges.heightShift) * Double(height)
        let ty = rng.uniform(-ranges.widthShift, ranges.widthShift) * Double(width)
        let zx = rng.uniform(1 - ranges.zoom, 1 + ranges.zoom)
        let zy = rng.uniform(1 - ranges.zoom, 1 + ranges.zoom)
        return AffineTransform(thetaDegrees: theta, tx: tx, ty: ty, zx: zx, zy: zy)
    }

    /// The output→input map in (row, col): Keras composes rotation · shift · zoom and moves the
    /// origin to (h/2 + 0.5, w/2 + 0.5) (its `transform_matrix_offset_center`), then
    /// `scipy.ndimage.affine_transform` reads input[M·(r, c) + offset].
    func inputMap(width: Int, height: Int) -> (m00: Double, m01: Double, m10: Double, m11: Double, o0: Double, o1: Double) {
        let t = thetaDegrees * Double.pi / 180
        let c = cos(t), s = sin(t)
        // R·S·Z with S = [[1,0,tx],[0,1,ty]], Z = diag(zx, zy).
        let a00 = c * zx, a01 = -s * zy, a10 = s * zx, a11 = c * zy
        let b0 = c * tx - s * ty, b1 = s * tx + c * ty
        let or = Double(height) / 2 + 0.5, oc = Double(width) / 2 + 0.5
        // T(o)·A·T(−o): offset = o + b − A·o.
        let o0 = or + b0 - (a00 * or + a01 * oc)
        let o1 = oc + b1 - (a10 * or + a11 * oc)
        return (a00, a01, a10, a11, o0, o1)
    }
}

extension Augment {
    /// A random Keras-style affine transform of an 8-bit image.
    public static func randomAffine<G: RandomNumberGenerator>(_ image: GrayImage, ranges: AffineRanges = .reference,
                                                              using rng: inout G) -> GrayImage {
        affine(image, AffineTransform.random(ranges, width: image.width, height: image.height, using: &rng))
    }

    /// `transform` applied with bilinear interpolation and nearest fill, rounded back to 8 bits.
    public static func affine(_ image: GrayImage, _ transform: AffineTransform) -> GrayImage {
        guard image.pixelCount > 0 else { return image }
        let src = image.pixels.map(Float.init)
        let out = affine(plane: src, width: image.width, height: image.height, transform)
        return GrayImage(width: image.width, height: image.height, pixels: out.map(saturatingByte))
    }

    /// A random transform of a Float plane (the preprocessed network input): the training loop's
    /// on-the-fly augmentation, applied to the input only.
    public static func randomAffine<G: RandomNumberGenerator>(plane: [Float], width: Int, height: Int,
                                                              ranges: AffineRanges = .reference, using rng: inout G) -> [Float] {
        affine(plane: plane, width: width, height: height,
               AffineTransform.random(ranges, width: width, height: height, using: &rng))
    }

    /// `transform` applied to a row-major Float plane of `width`×`height` (scipy
    /// `affine_transform(order=1, mode="nearest")`: bilinear, coordinates clamped to the edge).
    /// A plane whose size does not match is returned unchanged.
    public static func affine(plane: [Float], width w: Int, height h: Int, _ transform: AffineTransform) -> [Float] {
        guard w > 0, h > 0, plane.count == w * h else { return plane }
        if transform == .identity { return plane }
        let m = transform.inputMap(width: w, height: h)
        var out = [Float](repeating: 0, count: w * h)
        let maxR = Double(h - 1), maxC = Double(w - 1)
        plane.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<h {
                    let rr = Double(r)
                    for c in 0..<w {
                        let cc = Double(c)
                        var ir = m.m00 * rr + m.m01 * cc + m.o0
                        var ic = m.m10 * rr + m.m11 * cc + m.o1
                        ir = ir < 0 ? 0 : (ir > maxR ? maxR : ir)
                        ic = ic < 0 ? 0 : (ic > maxC ? maxC : ic)
                        let r0 = Int(ir), c0 = Int(ic)
                        let r1 = min(r0 + 1, h - 1), c1 = min(c0 + 1, w - 1)
                        let fr = Float(ir - Double(r0)), fc = Float(ic - Double(c0))
                        let top = src[r0 * w + c0] + (src[r0 * w + c1] - src[r0 * w + c0]) * fc
                        let bottom = src[r1 * w + c0] + (src[r1 * w + c1] - src[r1 * w + c0]) * fc
                        dst[r * w + c] = top + (bottom - top) * fr
                    }
                }
            }
        }
        return out
    }
}
