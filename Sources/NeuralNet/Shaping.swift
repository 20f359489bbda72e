/// 2×2 max pooling, stride 2, NHWC; odd trailing rows/columns are dropped (Keras 'valid',
/// which equals 'same' on even sizes). Ties go to the first maximum in row-major window order,
/// as TensorFlow's CPU kernel does.
public struct MaxPool2D: Layer {
    public let name: String
    private var cachedArgmax: [Int32] = []
    private var cachedInputShape: [Int] = []

    public init(name: String = "max_pooling2d") { self.name = name }

    /// Pools (and records each window's argmax as a flat input index if asked), in parallel over
    /// (image, output row) units.
    private func pool(_ x: Tensor, argmax: UnsafeMutablePointer<Int32>?) -> Tensor {
        precondition(x.rank == 4, "MaxPool2D \(name): input \(x.shape) is not NHWC")
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (h / 2, w / 2)
        return Tensor(shape: [n, oh, ow, c]) { out in
            x.storage.withUnsafeBufferPointer { xp in
                let ptrs = UnsafeSendableBox((x: xp.baseAddress!, out: out.baseAddress!, a: argmax))
                Parallel.ranges(n * oh, minimumPerWorker: 8) { units in
                    let base = ptrs.value.x
                    for u in units {
                        let (b, oy) = (u / oh, u % oh)
                        let r0 = ((b * h + 2 * oy) * w) * c
                        let r1 = r0 + w * c
                        var o = ptrs.value.out + u * ow * c
                        var a = ptrs.value.a.map { $0 + u * ow * c }
                        for ox in 0..<ow {
                            let i00 = r0 + 2 * ox * c, i01 = i00 + c, i10 = r1 + 2 * ox * c, i11 = i10 + c
                            if let ap = a {
                                for j in 0..<c {
                                    var best = base[i00 + j], idx = i00 + j
                                    if base[i01 + j] > best { best = base[i01 + j]; idx = i01 + j }
                                    if base[i10 + j] > best { best = base[i10 + j]; idx = i10 + j }
                                    if base[i11 + j] > best { best = base[i11 + j]; idx = i11 + j }
                                    o[j] = best
                                    ap[j] = Int32(idx)
                                }
                                a = ap + c
                            } else {
                                for j in 0..<c {
                                    o[j] = max(max(base[i00 + j], base[i01 + j]), max(base[i10 + j], base[i11 + j]))
                                }
                            }
                            o += c
                        }
                    }
                }
            }
        }
    }

    public func forward(_ x: Tensor) -> Tensor { pool(x, argmax: nil) }

    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        let outCount = x.shape[0] * (x.shape[1] / 2) * (x.shape[2] / 2) * x.shape[3]
        var argmax = [Int32](unsafeUninitializedCapacity: outCount) { _, count in count = outCount }  // pool writes all
        let y = argmax.withUnsafeMutableBufferPointer { pool(x, argmax: $0.baseAddress!) }
        cachedArgmax = argmax
        cachedInputShape = x.shape
        return y
    }

    /// Routes each window's gradient to its argmax. Each (image, output row) unit owns its two input
    /// rows, which it zeroes and fills in one pass (in parallel, no separate zeroing of the whole
    /// gradient); a trailing odd input row gets zeros.
    public mutating func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.count == cachedArgmax.count, "MaxPool2D \(name): backward before trainingForward")
        let (n, h, w, c) = (cachedInputShape[0], cachedInputShape[1], cachedInputShape[2], cachedInputShape[3])
        let (oh, ow) = (h / 2, w / 2)
        if oh == 0 { return Tensor(shape: cachedInputShape) }
        return Tensor(shape: cachedInputShape) { d in
            dy.storage.withUnsafeBufferPointer { g in
                cachedArgmax.withUnsafeBufferPointer { a in
                    let ptrs = UnsafeSendableBox((d: d.baseAddress!, g: g.baseAddress!, a: a.baseAddress!))
                    Parallel.ranges(n * oh, minimumPerWorker: 8) { units in
                        let (dp, gp, ap) = ptrs.value
                        for u in units {
                            let (b, oy) = (u / oh, u % oh)
                            (dp + (b * h + 2 * oy) * w * c).initialize(repeating: 0, count: 2 * w * c)
                            if h % 2 == 1 && oy == oh - 1 {
                                (dp + (b * h + h - 1) * w * c).initialize(repeating: 0, count: w * c)
                            }
                            let first = u * ow * c
                            for i in first..<(first + ow * c) { dp[Int(ap[i])] = gp[i] }
                        }
                    }
                }
            }
        }
    }
}

/// Dropout (Keras): in training zeroes each value with probability `rate` and scales the kept ones
/// by 1/(1 − rate); the identity at inference. Seeded so a training run is reproducible.
public struct Dropout: Layer {
    public let name: String
    public var rate: Float
    private var rng: SeededGenerator
    private var cachedMask: [Float] = []

    public init(name: String = "dropout", rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "Dropout rate must be in [0, 1)")
        self.name = name
        self.rate = rate
        self.rng = SeededGenerator(seed: seed)
    }

    public func forward(_ x: Tensor) -> Tensor { x }

    /// Draws the mask (one 64-bit value per two elements, low half first, from the seeded stream) and
    /// applies it in one parallel pass: each worker draws its own stretch of the counter-based stream,
    /// so the mask equals the sequential draw.
    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        guard rate > 0 else { cachedMask = []; return x }
        let scale = 1 / (1 - rate)
        let count = x.count, pairs = (count + 1) / 2
        let threshold = UInt64(Double(rate) * Double(1 << 32))  // keep iff a 32-bit uniform ≥ rate·2³²
        let generator = rng
        var mask = [Float](unsafeUninitializedCapacity: count) { _, n in n = count }  // every entry written below
        let y = Tensor(shape: x.shape) { out in
            x.storage.withUnsafeBufferPointer { xp in
            mask.withUnsafeMutableBufferPointer { mp in
                let ptrs = UnsafeSendableBox((x: xp.baseAddress!, m: mp.baseAddress!, y: out.baseAddress!))
                Parallel.ranges(pairs, minimumPerWorker: 1 << 14) { pr in
                    let (xs, m, ys) = ptrs.value
                    for k in pr {
                        let r = generator.peek(ahead: k)
                        let i = 2 * k
                        m[i] = r & 0xFFFF_FFFF >= threshold ? scale : 0
                        ys[i] = xs[i] * m[i]
                        if i + 1 < count {
                            m[i + 1] = r >> 32 >= threshold ? scale : 0
                            ys[i + 1] = xs[i + 1] * m[i + 1]
                        }
                    }
                }
            }}
        }
        rng.advance(by: pairs)
        cachedMask = mask
        return y
    }

    public mutating func backward(_ dy: Tensor) -> Tensor {
        guard !cachedMask.isEmpty else { return dy }
        precondition(dy.count == cachedMask.count, "Dropout \(name): gradient size \(dy.count) ≠ \(cachedMask.count)")
        return Tensor(shape: dy.shape) { out in
            dy.storage.withUnsafeBufferPointer { dp in
            cachedMask.withUnsafeBufferPointer { mp in
                let ptrs = UnsafeSendableBox((d: dp.baseAddress!, m: mp.baseAddress!, o: out.baseAddress!))
                Parallel.ranges(dy.count, minimumPerWorker: 1 << 15) { r in
                    let (d, m, o) = ptrs.value
                    for i in r { o[i] = d[i] * m[i] }
                }
            }}
        }
    }
}

/// Keras `Flatten`: [N, h, w, c] → [N, h·w·c] in row-major (h, w, c) order — a view, no copy.
public struct Flatten: Layer {
    public let name: String
    private var cachedShape: [Int] = []

    public init(name: String = "flatten") { self.name = name }

    public func forward(_ x: Tensor) -> Tensor {
        x.reshaped([x.shape[0], x.count / max(1, x.shape[0])])
    }

    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        cachedShape = x.shape
        return forward(x)
    }

    public mutating func backward(_ dy: Tensor) -> Tensor { dy.reshaped(cachedShape) }
}

/// Keras `Reshape`: [N, …] → [N] + `targetShape`.
public struct Reshape: Layer {
    public let name: String
    public let targetShape: [Int]
    private var cachedShape: [Int] = []

    public init(name: String = "reshape", targetShape: [Int]) {
        self.name = name
        self.targetShape = targetShape
    }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.count == x.shape[0] * targetShape.reduce(1, *), "Reshape \(name): \(x.shape) → \(targetShape)")
        return x.reshaped([x.shape[0]] + targetShape)
    }

    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        cachedShape = x.shape
        return forward(x)
    }

    public mutating func backward(_ dy: Tensor) -> Tensor { dy.reshaped(cachedShape) }
}
