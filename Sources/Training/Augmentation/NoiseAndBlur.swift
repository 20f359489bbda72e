import Imaging

/// A motion-blur kernel: an odd `size`×`size` matrix holding a normalised one-pixel line, as
/// albumentations' `MotionBlur` draws it (cv2.line, 8-connected, between two random cells).
public struct MotionBlurKernel: Sendable, Equatable {
    public let size: Int
    /// Row-major weights summing to 1.
    public let weights: [Float]

    /// The line from cell (x1, y1) to (x2, y2) inside a `size`×`size` kernel.
    public init(size: Int, from p1: (x: Int, y: Int), to p2: (x: Int, y: Int)) throws {
        guard size >= 1, size % 2 == 1 else {
            throw AugmentationError.invalidParameter(name: "motion blur kernel size", value: "\(size)", expected: "odd and ≥ 1")
        }
        for v in [p1.x, p1.y, p2.x, p2.y] where v < 0 || v >= size {
            throw AugmentationError.invalidParameter(name: "motion blur line end", value: "\(v)", expected: "in 0..<\(size)")
        }
        self.init(checkedSize: size, from: p1, to: p2)
    }

    /// The kernel for arguments already known to be valid (odd size, ends inside).
    private init(checkedSize size: Int, from p1: (x: Int, y: Int), to p2: (x: Int, y: Int)) {
        var k = [Float](repeating: 0, count: size * size)
        // OpenCV's 8-connected line (LineIterator, left to right): one cell per step along the
        // major axis, a minor step when the error term goes negative — its tie-breaking decides
        // which cells a shallow line covers, so it is followed exactly.
        let (start, end) = p1.x <= p2.x ? (p1, p2) : (p2, p1)
        var ax = start.x, ay = start.y
        var dx = end.x - start.x, dy = end.y - start.y
        let sy = dy < 0 ? -1 : 1
        dy = abs(dy)
        let steep = dy > dx
        if steep { swap(&dx, &dy) }
        var err = dx - 2 * dy
        let plus = 2 * dx, minus = -2 * dy
        for _ in 0...dx {
            k[ay * size + ax] = 1
            let minor = err < 0
            err += minus + (minor ? plus : 0)
            if steep { ay += sy; if minor { ax += 1 } } else { ax += 1; if minor { ay += sy } }
        }
        let sum = k.reduce(0, +)
        self.size = size
        weights = k.map { $0 / sum }
    }

    /// The single-cell kernel: no blur.
    public static let identity = MotionBlurKernel(checkedSize: 1, from: (0, 0), to: (0, 0))

    /// albumentations' draw: size uniform over the odd values 3…maxSize; ends uniform in the
    /// kernel, the y ends distinct when the x ends coincide (so the line is never a single dot).
    public static func random<G: RandomNumberGenerator>(maxSize: Int = 7, using rng: inout G) -> MotionBlurKernel {
        let sizes = Array(stride(from: 3, through: max(3, maxSize), by: 2))
        let k = rng.pick(sizes)
        let x1 = rng.integer(in: 0...(k - 1)), x2 = rng.integer(in: 0...(k - 1))
        let y1 = rng.integer(in: 0...(k - 1))
        var y2 = rng.integer(in: 0...(k - 1))
        if x1 == x2 {
            while y1 == y2 { y2 = rng.integer(in: 0...(k - 1)) }
        }
        return MotionBlurKernel(checkedSize: k, from: (x1, y1), to: (x2, y2))
    }
}

/// The odd kernel side of a median blur.
public enum MedianBlurSize {
    /// Uniform over the odd values 3…maxSize.
    public static func random<G: RandomNumberGenerator>(maxSize: Int = 7, using rng: inout G) -> Int {
        rng.pick(Array(stride(from: 3, through: max(3, maxSize), by: 2)))
    }
}

extension Augment {
    // MARK: Multiplicative noise

    /// Multiplies pixels by a factor drawn from `multiplier`: one factor for the whole image
    /// (albumentations' default) or one per pixel (`elementwise`). Results are clipped to 0…255 and
    /// truncated, as albumentations does for 8-bit images.
    public static func multiplicativeNoise<G: RandomNumberGenerator>(_ image: GrayImage, multiplier: ClosedRange<Double> = 0.9...1.1,
                                                                     elementwise: Bool = false, using rng: inout G) -> GrayImage {
        if !elementwise { return multiply(image, by: rng.uniform(multiplier.lowerBound, multiplier.upperBound)) }
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { px in
            for i in px.indices {
                let m = rng.uniform(multiplier.lowerBound, multiplier.upperBound)
                px[i] = UInt8(min(255, max(0, Double(px[i]) * m)))
            }
        }
        return out
    }

    /// Every pixel times `factor`, clipped and truncated (a 256-entry lookup table).
    public static func multiply(_ image: GrayImage, by factor: Double) -> GrayImage {
        let lut = (0..<256).map { UInt8(min(255, max(0, Double($0) * factor))) }
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { px in
            lut.withUnsafeBufferPointer { t in
                for i in px.indices { px[i] = t[Int(px[i])] }
            }
        }
        return out
    }

    // MARK: Motion blur

    /// A random motion blur with a kernel of at most `maxKernel` (odd, ≥ 3).
    public static func motionBlur<G: RandomNumberGenerator>(_ image: GrayImage, maxKernel: Int = 7,
                                                            using rng: inout G) throws -> GrayImage {
        guard maxKernel >= 3 else {
            throw AugmentationError.invalidParameter(name: "maxKernel", value: "\(maxKernel)", expected: "≥ 3")
        }
        return motionBlur(image, kernel: MotionBlurKernel.random(maxSize: maxKernel, using: &rng))
    }

    /// Correlates with `kernel` (cv2.filter2D: anchor at the centre, reflect-101 border). Sums are
    /// fused multiply-adds over the taps in row-major order from 0, rounded half to even — the
    /// order and rounding of OpenCV's vectorised 8-bit filter, so results match it exactly.
    public static func motionBlur(_ image: GrayImage, kernel: MotionBlurKernel) -> GrayImage {
        let w = image.width, h = image.height, k = kernel.size, r = k / 2
        guard w > 0, h > 0, k > 1 else { return image }
        // Only the kernel's non-zero taps matter: a line has at most k of them.
        var taps: [(dx: Int, dy: Int, w: Float)] = []
        for j in 0..<k { for i in 0..<k where kernel.weights[j * k + i] != 0 { taps.append((i - r, j - r, kernel.weights[j * k + i])) } }
        var out = [UInt8](repeating: 0, count: w * h)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let interiorY = y >= r && y < h - r
                    for x in 0..<w {
                        var s: Float = 0
                        if interiorY && x >= r && x < w - r {
                            for t in taps { s.addProduct(Float(src[(y + t.dy) * w + x + t.dx]), t.w) }
                        } else {
                            for t in taps {
                                s.addProduct(Float(src[Border.reflect101(y + t.dy, h) * w + Border.reflect101(x + t.dx, w)]), t.w)
                            }
                        }
                        dst[y * w + x] = s <= 0 ? 0 : (s >= 255 ? 255 : UInt8(s.rounded(.toNearestOrEven)))
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    // MARK: Median blur

    /// A random median blur with an odd kernel of at most `maxKernel`.
    public static func medianBlur<G: RandomNumberGenerator>(_ image: GrayImage, maxKernel: Int = 7,
                                                            using rng: inout G) throws -> GrayImage {
        guard maxKernel >= 3 else {
            throw AugmentationError.invalidParameter(name: "maxKernel", value: "\(maxKernel)", expected: "≥ 3")
        }
        return medianCore(image, MedianBlurSize.random(maxSize: maxKernel, using: &rng))
    }

    /// The median of each `kernelSize`×`kernelSize` neighbourhood (cv2.medianBlur: replicated
    /// border). Huang's sliding histogram with a tracked median: O(kernelSize) per pixel.
    /// `kernelSize` must be odd; 1 returns the input.
    public static func medianBlur(_ image: GrayImage, kernelSize: Int) throws -> GrayImage {
        guard kernelSize >= 1, kernelSize % 2 == 1 else {
            throw AugmentationError.invalidParameter(name: "median kernel size", value: "\(kernelSize)", expected: "odd and ≥ 1")
        }
        return medianCore(image, kernelSize)
    }

    static func medianCore(_ image: GrayImage, _ k: Int) -> GrayImage {
        let w = image.width, h = image.height, r = k / 2
        guard w > 0, h > 0, k > 1 else { return image }
        let half = (k * k) / 2
        var out = [UInt8](repeating: 0, count: w * h)
        var hist = [Int](repeating: 0, count: 256)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                hist.withUnsafeMutableBufferPointer { hist in
                    for y in 0..<h {
                        for i in 0..<256 { hist[i] = 0 }
                        var rows = [Int](repeating: 0, count: k)
                        for j in 0..<k { rows[j] = Border.replicate(y + j - r, h) * w }
                        for dx in -r...r {
                            let xx = Border.replicate(dx, w)
                            for row in rows { hist[Int(src[row + xx])] += 1 }
                        }
                        var med = 0, below = 0
                        while below + hist[med] <= half { below += hist[med]; med += 1 }
                        dst[y * w] = UInt8(med)
                        if w == 1 { continue }
                        for x in 1..<w {
                            let leave = Border.replicate(x - r - 1, w), enter = Border.replicate(x + r, w)
                            for row in rows {
                                let a = Int(src[row + leave])
                                hist[a] -= 1
                                if a < med { below -= 1 }
                                let b = Int(src[row + enter])
                                hist[b] += 1
                                if b < med { below += 1 }
                            }
                            while below > half { med -= 1; below -= hist[med] }
                            while below + hist[med] <= half { below += hist[med]; med += 1 }
                            dst[y * w + x] = UInt8(med)
                        }
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }
}
