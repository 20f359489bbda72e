import Foundation

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
        var perImage = [Double](repeating: 0, count: n)
        var grad = wantGradient ? [Float](repeating: 0, count: a.count) : []
        let win = ssimWindow
        // Planes for one channel of one image, in Double.
        var x = [Double](repeating: 0, count: h * w), y = x
        var fx = [Double](repeating: 0, count: mapSize), fy = fx, fxy = fx, fsq = fx
        var dMu = fx, dXY = fx, dSq = fx
        var tmp = [Double](repeating: 0, count: h * mw)
        var bx = x, bxy = x, bsq = x
        let gradScale = 1 / (Double(mapSize) * Double(c) * Double(n))

        /// Valid separable Gaussian filter of an h×w plane → mh×mw.
        func filter(_ src: [Double], _ dst: inout [Double]) {
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
        func filterAdjoint(_ src: [Double], _ dst: inout [Double]) {
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

        for img in 0..<n {
            var total = 0.0
            for ch in 0..<c {
                for p in 0..<(h * w) {
                    x[p] = Double(a.storage[(img * h * w + p) * c + ch])
                    y[p] = Double(b.storage[(img * h * w + p) * c + ch])
                }
                filter(x, &fx)
                filter(y, &fy)
                filter(zip(x, y).map { $0 * $1 }, &fxy)
                filter(zip(x, y).map { $0 * $0 + $1 * $1 }, &fsq)
                for p in 0..<mapSize {
                    let mx = fx[p], my = fy[p]
                    let n1 = 2 * mx * my + ssimC1, d1 = mx * mx + my * my + ssimC1
                    let n2 = 2 * fxy[p] - 2 * mx * my + ssimC2, d2 = fsq[p] - mx * mx - my * my + ssimC2
                    let l = n1 / d1, cs = n2 / d2
                    total += l * cs
                    if wantGradient {
                        let dl = (2 * my * d1 - n1 * 2 * mx) / (d1 * d1)
                        let dcs = (-2 * my * d2 + 2 * mx * n2) / (d2 * d2)
                        dMu[p] = (dl * cs + l * dcs) * gradScale
                        dXY[p] = l * 2 / d2 * gradScale
                        dSq[p] = -l * n2 / (d2 * d2) * gradScale
                    }
                }
                if wantGradient {
                    filterAdjoint(dMu, &bx)
                    filterAdjoint(dXY, &bxy)
                    filterAdjoint(dSq, &bsq)
                    for p in 0..<(h * w) {
                        grad[(img * h * w + p) * c + ch] = Float(bx[p] + y[p] * bxy[p] + 2 * x[p] * bsq[p])
                    }
                }
            }
            perImage[img] = total / Double(mapSize * c)
        }
        return (perImage, wantGradient ? Tensor(shape: a.shape, storage: grad) : nil)
    }
}
