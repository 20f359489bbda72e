import KernelPointers

/// Batch normalisation over the last (channel) axis, Keras semantics: inference uses the moving
/// statistics, `y = (x − mean)/sqrt(var + ε)·γ + β`; training uses the batch mean and biased variance
/// and updates `moving = moving·momentum + batch·(1 − momentum)`.
public struct BatchNorm: Layer {
    public let name: String
    public private(set) var gamma: Tensor
    public private(set) var beta: Tensor
    public private(set) var movingMean: Tensor
    public private(set) var movingVariance: Tensor
    public let momentum: Float
    public let epsilon: Float
    public private(set) var gammaGradient: Tensor
    public private(set) var betaGradient: Tensor
    private var cachedNormalized: Tensor?
    private var cachedInvStd: [Float] = []

    /// γ = 1, β = 0, moving mean 0, moving variance 1 (Keras defaults).
    public init(name: String, channels: Int, momentum: Float = 0.99, epsilon: Float = 1e-3) {
        self.name = name
        gamma = Tensor(shape: [channels], repeating: 1)
        beta = Tensor(shape: [channels])
        movingMean = Tensor(shape: [channels])
        movingVariance = Tensor(shape: [channels], repeating: 1)
        self.momentum = momentum
        self.epsilon = epsilon
        gammaGradient = Tensor(shape: [channels])
        betaGradient = Tensor(shape: [channels])
    }

    public var channels: Int { gamma.count }

    /// Per-channel y = x·scale + shift over a contiguous [rows, C] buffer.
    static func affine(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>,
                       scale: [Float], shift: [Float]) {
        let c = scale.count
        let rows = x.count / c
        scale.withUnsafeBufferPointer { sp in
        shift.withUnsafeBufferPointer { tp in
            var xi = x.baseAddress!, yi = y.baseAddress!
            for _ in 0..<rows {
                for j in 0..<c { yi[j] = xi[j] * sp[j] + tp[j] }
                xi += c; yi += c
            }
        }}
    }

    /// Inference BatchNorm as one per-channel affine map y = x·scale + shift
    /// (scale = γ/sqrt(moving_var + ε), shift = β − moving_mean·scale, as `tf.nn.batch_normalization`),
    /// so a preceding conv can fold it into its epilogue.
    public var inferenceAffine: (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for j in 0..<channels {
            let inv = 1 / (movingVariance.storage[j] + epsilon).squareRoot()
            scale[j] = inv * gamma.storage[j]
            shift[j] = beta.storage[j] - movingMean.storage[j] * scale[j]
        }
        return (scale, shift)
    }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == channels, "BatchNorm \(name): input \(x.shape) does not have \(channels) channels")
        let (scale, shift) = inferenceAffine
        return Tensor(shape: x.shape) { y in
            x.storage.withUnsafeBufferPointer { Self.affine($0, y, scale: scale, shift: shift) }
        }
    }

    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == channels, "BatchNorm \(name): input \(x.shape) does not have \(channels) channels")
        let c = channels, rows = x.count / c
        let (sum, _) = withPointers(x.storage) { x in
            ConvKernels.channelSums(rows: rows, c: c) { rr, a1, _ in
                var p = x + rr.lowerBound * c
                for _ in rr { for j in 0..<c { a1[j] += p[j] }; p += c }
            }
        }
        let meanF = sum.map { Float($0 / Double(rows)) }
        let (sq, _) = withPointers(x.storage, meanF) { x, mean in
            ConvKernels.channelSums(rows: rows, c: c) { rr, a1, _ in
                var p = x + rr.lowerBound * c
                for _ in rr { for j in 0..<c { let d = p[j] - mean[j]; a1[j] += d * d }; p += c }
            }
        }
        var invStd = [Float](repeating: 0, count: c), shift = invStd
        for j in 0..<c {
            let mean = sum[j] / Double(rows), variance = sq[j] / Double(rows)
            invStd[j] = Float(1 / (variance + Double(epsilon)).squareRoot())
            shift[j] = Float(-mean) * invStd[j]
            movingMean.storage[j] = movingMean.storage[j] * momentum + Float(mean) * (1 - momentum)
            movingVariance.storage[j] = movingVariance.storage[j] * momentum + Float(variance) * (1 - momentum)
        }
        let normalized = KernelOutput<Float>(uninitializedCount: x.count), y = KernelOutput<Float>(uninitializedCount: x.count)
        withPointers(x.storage, invStd, shift, gamma.storage, beta.storage, normalized, y) { x, invStd, shift, gamma, beta, n, y in
            Parallel.ranges(rows, minimumPerWorker: 256) { rr in
                var xi = x + rr.lowerBound * c, ni = n + rr.lowerBound * c, yi = y + rr.lowerBound * c
                for _ in rr {
                    for j in 0..<c {
                        let h = xi[j] * invStd[j] + shift[j]
                        ni[j] = h
                        yi[j] = h * gamma[j] + beta[j]
                    }
                    xi += c; ni += c; yi += c
                }
            }
        }
        cachedNormalized = Tensor(shape: x.shape, storage: normalized.take())
        cachedInvStd = invStd
        return Tensor(shape: x.shape, storage: y.take())
    }

    public mutating func backward(_ dy: Tensor) -> Tensor {
        guard let xhat = cachedNormalized else { preconditionFailure("\(name): backward before trainingForward") }
        precondition(dy.shape == xhat.shape, "BatchNorm \(name): gradient shape \(dy.shape) ≠ \(xhat.shape)")
        let c = channels, rows = dy.count / c
        let (dBeta, dGamma) = withPointers(dy.storage, xhat.storage) { dy, xhat in
            ConvKernels.channelSums(rows: rows, c: c) { rr, a1, a2 in
                var d = dy + rr.lowerBound * c, h = xhat + rr.lowerBound * c
                for _ in rr {
                    for j in 0..<c { a1[j] += d[j]; a2[j] += d[j] * h[j] }
                    d += c; h += c
                }
            }
        }
        gammaGradient = Tensor(shape: [c], storage: dGamma.map { Float($0) })
        betaGradient = Tensor(shape: [c], storage: dBeta.map { Float($0) })
        // dx = γ·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂))
        let m = Float(rows)
        var k = [Float](repeating: 0, count: 3 * c)
        for j in 0..<c {
            let g = gamma.storage[j] * cachedInvStd[j]
            k[j] = g
            k[c + j] = g * Float(dBeta[j]) / m
            k[2 * c + j] = g * Float(dGamma[j]) / m
        }
        let dx = KernelOutput<Float>(uninitializedCount: dy.count)
        withPointers(dy.storage, xhat.storage, k, dx) { dy, xhat, k1, dx in
            let k2 = k1 + c, k3 = k2 + c
            Parallel.ranges(rows, minimumPerWorker: 256) { rr in
                var d = dy + rr.lowerBound * c, h = xhat + rr.lowerBound * c, o = dx + rr.lowerBound * c
                for _ in rr {
                    for j in 0..<c { o[j] = k1[j] * d[j] - k2[j] - k3[j] * h[j] }
                    d += c; h += c; o += c
                }
            }
        }
        return Tensor(shape: dy.shape, storage: dx.take())
    }

    public var variables: [String: Tensor] {
        ["gamma": gamma, "beta": beta, "moving_mean": movingMean, "moving_variance": movingVariance]
    }

    public mutating func setVariable(_ key: String, _ value: Tensor) {
        precondition(value.shape == [channels], "BatchNorm \(name): \(key) shape \(value.shape)")
        switch key {
        case "gamma": gamma = value
        case "beta": beta = value
        case "moving_mean": movingMean = value
        case "moving_variance": movingVariance = value
        default: preconditionFailure("\(name) has no variable \(key)")
        }
    }

    public var gradients: [String: Tensor] { ["gamma": gammaGradient, "beta": betaGradient] }

    public mutating func updateTrainable(_ body: (String, inout Tensor, Tensor) -> Void) {
        body("gamma", &gamma, gammaGradient)
        body("beta", &beta, betaGradient)
    }
}
