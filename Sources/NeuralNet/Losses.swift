import Foundation
import KernelPointers

/// Training losses with their gradients, matching Keras/TensorFlow's definitions.
public enum Losses {
    /// Keras clips probabilities to [ε, 1 − ε] with this ε before taking logs.
    public static let epsilon: Float = 1e-7

    /// Keras `binary_crossentropy` on probabilities, averaged over every element:
    /// `−mean(y·log p + (1−y)·log(1−p))` with p clipped to [1e-7, 1 − 1e-7].
    /// Returns the loss and dLoss/dPrediction (zero where the clip is active, as `clip_by_value`).
    public static func binaryCrossEntropy(prediction: Tensor, target: Tensor) -> (loss: Float, gradient: Tensor) {
        precondition(prediction.count == target.count, "binaryCrossEntropy: \(prediction.shape) vs \(target.shape)")
        let n = prediction.count
        let lo = epsilon, hi = 1 - epsilon
        var sum = 0.0
        let grad = Tensor(shape: prediction.shape) { g in
            prediction.storage.withUnsafeBufferPointer { pp in
            target.storage.withUnsafeBufferPointer { tp in
                let inv = 1 / Float(n)
                for i in 0..<n {
                    let raw = pp[i], y = tp[i]
                    let p = min(max(raw, lo), hi)
                    sum -= Double(y) * log(Double(p)) + Double(1 - y) * log(Double(1 - p))
                    g[i] = (raw < lo || raw > hi) ? 0 : ((1 - y) / (1 - p) - y / p) * inv
                }
            }}
        }
        return (Float(sum / Double(max(n, 1))), grad)
    }

    /// SSIM settings of `tf.image.ssim(max_val=1)`.
    public static let ssimFilterSize = 11
    public static let ssimSigma = 1.5
    static let ssimC1 = 0.01 * 0.01
    static let ssimC2 = 0.03 * 0.03

    /// The normalised 1-D Gaussian whose outer product is TensorFlow's 11×11 SSIM window.
    static let ssimWindow: [Double] = {
        let k = ssimFilterSize
        let g = (0..<k).map { i -> Double in
            let d = Double(i) - Double(k - 1) / 2
            return exp(-d * d / (2 * ssimSigma * ssimSigma))
        }
        let s = g.reduce(0, +)
        return g.map { $0 / s }
    }()

    /// Per-image SSIM exactly as `tf.image.ssim(a, b, max_val=1)` on NHWC tensors (Gaussian 11×11, σ 1.5,
    /// valid filtering, mean over the map and the channels), and, if asked, d(mean over the batch
    /// of SSIM)/d`a`. Images must be at least 11×11.
    public static func ssim(_ a: Tensor, _ b: Tensor, wantGradient: Bool = false) -> (perImage: [Double], gradient: Tensor?) {
        precondition(a.shape == b.shape && a.rank == 4, "ssim: shapes \(a.shape) vs \(b.shape)")
        let (n, h, w, c) = (a.shape[0], a.shape[1], a.shape[2], a.shape[3])
        let k = ssimFilterSize
        precondition(h >= k && w >= k, "ssim: images must be at least \(k)×\(k)")
        let mh = h - k + 1, mw = w - k + 1, mapSize = mh * mw
        let perImage = KernelOutput<Double>(repeating: 0, count: n)
        let grad = KernelOutput<Float>(repeating: 0, count: wantGradient ? a.count : 0)
        let gradScale = 1 / (Double(mapSize) * Double(c) * Double(n))
        withPointers(a.storage, b.storage, perImage, grad) { a, b, perImage, grad in
            // Images are independent: one worker per range of images, each with its own planes.
            Parallel.ranges(n) { images in
                var plane = SSIMPlanes(h: h, w: w, k: k)
                for img in images {
                    var total = 0.0
                    for ch in 0..<c {
                        let base = img * h * w * c + ch
                        total += plane.run(a: a + base, b: b + base, stride: c, gradient: wantGradient ? grad + base : nil,
                                           gradScale: gradScale)
                    }
                    perImage[img] = total / Double(mapSize * c)
                }
            }
        }
        return (perImage.take(), wantGradient ? Tensor(shape: a.shape, storage: grad.take()) : nil)
    }
}

/// Work planes for the SSIM of one channel of one image, reused across images by one worker.
private struct SSIMPlanes {
    let h, w, k, mh, mw: Int
    var x, y, xy, sq, tmp, bx, bxy, bsq: [Double]
    var fx, fy, fxy, fsq, dMu, dXY, dSq: [Double]

    init(h: Int, w: Int, k: Int) {
        (self.h, self.w, self.k) = (h, w, k)
        (mh, mw) = (h - k + 1, w - k + 1)
        let plane = [Double](repeating: 0, count: h * w), map = [Double](repeating: 0, count: (h - k + 1) * (w - k + 1))
        (x, y, xy, sq, bx, bxy, bsq) = (plane, plane, plane, plane, plane, plane, plane)
        tmp = [Double](repeating: 0, count: h * (w - k + 1))
        (fx, fy, fxy, fsq, dMu, dXY, dSq) = (map, map, map, map, map, map, map)
    }

    /// Valid separable Gaussian filter of an h×w plane → mh×mw.
    private static func filter(_ src: [Double], _ dst: inout [Double], _ tmp: inout [Double], h: Int, w: Int, k: Int) {
        let (mh, mw) = (h - k + 1, w - k + 1)
        let win = Losses.ssimWindow
        for r in 0..<h {
            for j in 0..<mw {
                var s = 0.0
                for t in 0..<k { s += win[t] * src[r * w + j + t] }
                tmp[r * mw + j] = s
            }
        }
        for i in 0..<mh {
            for j in 0..<mw {
                var s = 0.0
                for t in 0..<k { s += win[t] * tmp[(i + t) * mw + j] }
                dst[i * mw + j] = s
            }
        }
    }

    /// The adjoint of `filter`: scatters an mh×mw map back to an h×w plane.
    private static func filterAdjoint(_ src: [Double], _ dst: inout [Double], _ tmp: inout [Double], h: Int, w: Int, k: Int) {
        let (mh, mw) = (h - k + 1, w - k + 1)
        let win = Losses.ssimWindow
        for i in 0..<(h * mw) { tmp[i] = 0 }
        for i in 0..<mh {
            for j in 0..<mw {
                let v = src[i * mw + j]
                for t in 0..<k { tmp[(i + t) * mw + j] += win[t] * v }
            }
        }
        for i in 0..<(h * w) { dst[i] = 0 }
        for r in 0..<h {
            for j in 0..<mw {
                let v = tmp[r * mw + j]
                for t in 0..<k { dst[r * w + j + t] += win[t] * v }
            }
        }
    }

    /// Sum of the SSIM map of planes `a`, `b` (elements `stride` apart); if `gradient` is given,
    /// writes d(Σ map · gradScale)/da there (same stride).
    mutating func run(a: UnsafePointer<Float>, b: UnsafePointer<Float>, stride: Int,
                      gradient: UnsafeMutablePointer<Float>?, gradScale: Double) -> Double {
        let c1 = Losses.ssimC1, c2 = Losses.ssimC2
        for p in 0..<(h * w) {
            let u = Double(a[p * stride]), v = Double(b[p * stride])
            x[p] = u; y[p] = v; xy[p] = u * v; sq[p] = u * u + v * v
        }
        Self.filter(x, &fx, &tmp, h: h, w: w, k: k)
        Self.filter(y, &fy, &tmp, h: h, w: w, k: k)
        Self.filter(xy, &fxy, &tmp, h: h, w: w, k: k)
        Self.filter(sq, &fsq, &tmp, h: h, w: w, k: k)
        var total = 0.0
        for p in 0..<(mh * mw) {
            let mx = fx[p], my = fy[p]
            let n1 = 2 * mx * my + c1, d1 = mx * mx + my * my + c1
            let n2 = 2 * fxy[p] - 2 * mx * my + c2, d2 = fsq[p] - mx * mx - my * my + c2
            let l = n1 / d1, cs = n2 / d2
            total += l * cs
            if gradient != nil {
                let dl = (2 * my * d1 - n1 * 2 * mx) / (d1 * d1)
                let dcs = (-2 * my * d2 + 2 * mx * n2) / (d2 * d2)
                dMu[p] = (dl * cs + l * dcs) * gradScale
                dXY[p] = l * 2 / d2 * gradScale
                dSq[p] = -l * n2 / (d2 * d2) * gradScale
            }
        }
        if let gradient {
            Self.filterAdjoint(dMu, &bx, &tmp, h: h, w: w, k: k)
            Self.filterAdjoint(dXY, &bxy, &tmp, h: h, w: w, k: k)
            Self.filterAdjoint(dSq, &bsq, &tmp, h: h, w: w, k: k)
            for p in 0..<(h * w) { gradient[p * stride] = Float(bx[p] + y[p] * bxy[p] + 2 * x[p] * bsq[p]) }
        }
        return total
    }
}
