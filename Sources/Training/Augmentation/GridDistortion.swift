import Imaging

/// One (num_steps, distort_limit) setting of albumentations' `GridDistortion`.
public struct GridDistortionSettings: Sendable, Equatable {
    /// Grid cells per side.
    public var numSteps: Int
    /// Each cell's size is scaled by 1 + U(−limit, limit).
    public var distortLimit: Double

    public init(numSteps: Int, distortLimit: Double) {
        self.numSteps = numSteps
        self.distortLimit = distortLimit
    }

    /// The reference's four settings: (5, 0.4), (7, 0.5), (9, 0.6), (12, 0.7).
    public static let reference: [GridDistortionSettings] = [
        GridDistortionSettings(numSteps: 5, distortLimit: 0.4), GridDistortionSettings(numSteps: 7, distortLimit: 0.5),
        GridDistortionSettings(numSteps: 9, distortLimit: 0.6), GridDistortionSettings(numSteps: 12, distortLimit: 0.7),
    ]

    func validate() throws {
        guard numSteps >= 1 else {
            throw AugmentationError.invalidParameter(name: "numSteps", value: "\(numSteps)", expected: "≥ 1")
        }
        guard distortLimit >= 0, distortLimit < 1 else {
            throw AugmentationError.invalidParameter(name: "distortLimit", value: "\(distortLimit)", expected: "in [0, 1)")
        }
    }
}

/// The drawn cell scales of one grid distortion: `numSteps + 1` factors per axis (as albumentations
/// draws them; a factor of 1 leaves a cell unchanged).
public struct GridDistortionParameters: Sendable, Equatable {
    public var numSteps: Int
    public var xSteps: [Double]
    public var ySteps: [Double]

    public init(numSteps: Int, xSteps: [Double], ySteps: [Double]) throws {
        guard numSteps >= 1 else {
            throw AugmentationError.invalidParameter(name: "numSteps", value: "\(numSteps)", expected: "≥ 1")
        }
        guard xSteps.count == numSteps + 1, ySteps.count == numSteps + 1 else {
            throw AugmentationError.invalidParameter(name: "xSteps/ySteps", value: "\(xSteps.count)/\(ySteps.count) factors",
                                                     expected: "numSteps + 1 = \(numSteps + 1) each")
        }
        guard (xSteps + ySteps).allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw AugmentationError.invalidParameter(name: "xSteps/ySteps", value: "non-positive factor", expected: "> 0")
        }
        self.numSteps = numSteps
        self.xSteps = xSteps
        self.ySteps = ySteps
    }

    /// No distortion: the warp is the identity.
    public static func identity(numSteps: Int) throws -> GridDistortionParameters {
        try GridDistortionParameters(numSteps: numSteps, xSteps: Array(repeating: 1, count: numSteps + 1),
                                     ySteps: Array(repeating: 1, count: numSteps + 1))
    }

    /// Factors 1 + U(−limit, limit), x first then y, like albumentations.
    public static func random<G: RandomNumberGenerator>(_ settings: GridDistortionSettings,
                                                        using rng: inout G) -> GridDistortionParameters {
        let n = max(1, settings.numSteps)
        let l = min(max(settings.distortLimit, 0), 0.99)
        let xs = (0...n).map { _ in 1 + rng.uniform(-l, l) }
        let ys = (0...n).map { _ in 1 + rng.uniform(-l, l) }
        return GridDistortionParameters(unchecked: n, xs, ys)
    }

    private init(unchecked n: Int, _ xs: [Double], _ ys: [Double]) {
        numSteps = n
        xSteps = xs
        ySteps = ys
    }

    /// Source coordinate of every destination index along an axis of `length` pixels. Cells are
    /// `length / numSteps` pixels (integer division); cell k's source span is its size times its
    /// factor, and the last partial cell stretches to the image end, as in albumentations. One
    /// deliberate difference: albumentations fills a cell with `linspace(prev, cur)` *including* the
    /// end point, which stretches even undistorted cells by one pixel; here the end is excluded, so
    /// factors of 1 are exactly the identity (the two differ by under one pixel).
    static func sourceCoordinates(length: Int, numSteps: Int, factors: [Double]) -> [Float] {
        var map = [Float](repeating: 0, count: length)
        let step = length / numSteps
        guard step > 0 else {
            for i in 0..<length { map[i] = Float(i) }
            return map
        }
        var prev = 0.0
        for idx in 0...numSteps {
            let start = idx * step
            if start >= length { break }
            var end = start + step
            let cur: Double
            if end > length || idx == numSteps {
                end = length
                cur = Double(length)
            } else {
                cur = prev + Double(step) * factors[idx]
            }
            let n = end - start
            for k in 0..<n { map[start + k] = Float(prev + (cur - prev) * Double(k) / Double(n)) }
            prev = cur
        }
        return map
    }
}

extension Augment {
    /// A random grid distortion with `settings`.
    public static func gridDistortion<G: RandomNumberGenerator>(_ image: GrayImage, settings: GridDistortionSettings,
                                                                using rng: inout G) throws -> GrayImage {
        try settings.validate()
        return gridDistortion(image, parameters: GridDistortionParameters.random(settings, using: &rng))
    }

    /// The grid distortion given by its drawn factors: bilinear resampling, reflect-101 border.
    public static func gridDistortion(_ image: GrayImage, parameters p: GridDistortionParameters) -> GrayImage {
        let w = image.width, h = image.height
        guard w > 0, h > 0 else { return image }
        let mx = GridDistortionParameters.sourceCoordinates(length: w, numSteps: p.numSteps, factors: p.xSteps)
        let my = GridDistortionParameters.sourceCoordinates(length: h, numSteps: p.numSteps, factors: p.ySteps)
        // The warp is separable: precompute both taps and the weight per column and per row.
        func taps(_ m: [Float], _ n: Int) -> (i0: [Int], i1: [Int], f: [Float]) {
            var i0 = [Int](repeating: 0, count: m.count), i1 = i0, f = [Float](repeating: 0, count: m.count)
            for (k, s) in m.enumerated() {
                let fl = s.rounded(.down)
                i0[k] = Border.reflect101(Int(fl), n)
                i1[k] = Border.reflect101(Int(fl) + 1, n)
                f[k] = s - fl
            }
            return (i0, i1, f)
        }
        let tx = taps(mx, w), ty = taps(my, h)
        var out = [UInt8](repeating: 0, count: w * h)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let r0 = ty.i0[y] * w, r1 = ty.i1[y] * w, fy = ty.f[y]
                    for x in 0..<w {
                        let a = tx.i0[x], b = tx.i1[x], fx = tx.f[x]
                        let top = Float(src[r0 + a]) + (Float(src[r0 + b]) - Float(src[r0 + a])) * fx
                        let bottom = Float(src[r1 + a]) + (Float(src[r1 + b]) - Float(src[r1 + a])) * fx
                        dst[y * w + x] = saturatingByte(top + (bottom - top) * fy)
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }
}
