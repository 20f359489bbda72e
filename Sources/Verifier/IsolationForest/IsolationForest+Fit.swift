import NeuralNet

extension IsolationForest {
    /// scikit-learn treats a feature as constant in a node when `max ≤ min + 1e-7` (in Float32).
    static let featureThreshold: Float = 1e-7

    /// Fits a forest with scikit-learn's semantics: each tree grows on `maxSamples` rows drawn without
    /// replacement; each node splits on a feature drawn uniformly among those not constant in the node, at
    /// a threshold uniform between the node's min and max; nodes with ≤ 1 sample, all features constant, or
    /// at depth `ceil(log2(maxSamples))` are leaves. Values are cast to Float32 as scikit-learn does.
    ///
    /// - Parameters:
    ///   - x: training matrix `[samples, features]` (encoder latents of valid images).
    ///   - maxSamples: rows per tree; nil means `min(256, samples)`, larger values are clipped to `samples`.
    ///   - contamination: sets `offset` to that percentile of the training scores; nil means "auto" (−0.5).
    ///   - seed: makes fitting reproducible.
    public static func fit(_ x: Tensor, nEstimators: Int = 100, maxSamples: Int? = nil,
                           contamination: Double? = 0.1, seed: UInt64) throws(IsolationForestError) -> IsolationForest {
        guard x.rank == 2 else { throw .notAMatrix(shape: x.shape) }
        let (rows, columns) = (x.shape[0], x.shape[1])
        guard rows >= 1, columns >= 1 else { throw .emptyTrainingSet }
        guard nEstimators >= 1 else { throw .invalidParameter("nEstimators is \(nEstimators), must be ≥ 1") }
        if let m = maxSamples, m < 1 { throw .invalidParameter("maxSamples is \(m), must be ≥ 1") }
        if let c = contamination, !(c > 0 && c <= 0.5) {
            throw .invalidParameter("contamination is \(c), must be in (0, 0.5]")
        }
        for (i, v) in x.storage.enumerated() where !v.isFinite {
            throw .nonFiniteValue(row: i / columns, feature: i % columns)
        }
        let samples = min(maxSamples ?? 256, rows)
        var depthLimit = 0
        while (1 << depthLimit) < max(samples, 2) { depthLimit += 1 }  // ceil(log2(max(samples, 2)))

        var rng = SeededGenerator(seed: seed)
        let grown: [GrownTree] = x.storage.withUnsafeBufferPointer { data in
            (0..<nEstimators).map { _ in
                var builder = TreeBuilder(data: data, columns: columns, depthLimit: depthLimit)
                builder.grow(rows: rows, samples: samples, rng: &rng)
                return builder.out
            }
        }
        var trees: [IsolationTree] = []
        trees.reserveCapacity(nEstimators)
        for (index, b) in grown.enumerated() {
            trees.append(try IsolationTree(childrenLeft: b.left, childrenRight: b.right, feature: b.feature,
                                           threshold: b.threshold, nodeSampleCounts: b.counts,
                                           featureCount: columns, index: index))
        }
        let forest = try IsolationForest(trees: trees, maxSamples: samples, featureCount: columns,
                                         offset: -0.5, contamination: contamination)
        guard let contamination else { return forest }
        let offset = percentile(try forest.scoreSamples(x), 100 * contamination)
        return try IsolationForest(trees: trees, maxSamples: samples, featureCount: columns,
                                   offset: offset, contamination: contamination)
    }

    /// NumPy's default ("linear") percentile.
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        let position = Double(sorted.count - 1) * q / 100
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}

/// A tree's node arrays as grown, before validation into an `IsolationTree`.
private struct GrownTree {
    var left: [Int] = [], right: [Int] = [], feature: [Int] = [], threshold: [Double] = [], counts: [Int] = []
}

/// Grows one isolation tree depth-first, numbering nodes in preorder (left subtree first) as
/// scikit-learn's depth-first builder does.
private struct TreeBuilder {
    let data: UnsafeBufferPointer<Float>
    let columns: Int
    let depthLimit: Int
    var indices: [Int] = []
    var featureOrder: [Int]
    var out = GrownTree()

    init(data: UnsafeBufferPointer<Float>, columns: Int, depthLimit: Int) {
        self.data = data
        self.columns = columns
        self.depthLimit = depthLimit
        self.featureOrder = Array(0..<columns)
    }

    mutating func grow(rows: Int, samples: Int, rng: inout SeededGenerator) {
        // Partial Fisher–Yates: the first `samples` entries are a uniform draw without replacement.
        var all = Array(0..<rows)
        for i in 0..<samples {
            all.swapAt(i, i + Int(rng.next(upperBound: UInt64(rows - i))))
        }
        indices = Array(all[0..<samples])
        build(start: 0, end: samples, depth: 0, rng: &rng)
    }

    @discardableResult
    private mutating func build(start: Int, end: Int, depth: Int, rng: inout SeededGenerator) -> Int {
        let node = out.left.count
        out.left.append(IsolationTree.leafChild)
        out.right.append(IsolationTree.leafChild)
        out.feature.append(IsolationTree.leafFeature)
        out.threshold.append(IsolationTree.leafThreshold)
        out.counts.append(end - start)
        guard depth < depthLimit, end - start >= 2,
              let (f, t) = drawSplit(start: start, end: end, rng: &rng) else { return node }

        // Partition: rows with value ≤ threshold first.
        var i = start, j = end - 1
        while i <= j {
            if Double(data[indices[i] * columns + f]) <= t {
                i += 1
            } else {
                indices.swapAt(i, j)
                j -= 1
            }
        }
        out.feature[node] = f
        out.threshold[node] = t
        let leftChild = build(start: start, end: i, depth: depth + 1, rng: &rng)
        let rightChild = build(start: i, end: end, depth: depth + 1, rng: &rng)
        out.left[node] = leftChild
        out.right[node] = rightChild
        return node
    }

    /// Draws features uniformly without replacement until one is not constant in the node; returns it
    /// with a threshold uniform in [min, max) (scikit-learn's random splitter), or nil if all are constant.
    private mutating func drawSplit(start: Int, end: Int, rng: inout SeededGenerator) -> (Int, Double)? {
        for k in 0..<columns {
            featureOrder.swapAt(k, k + Int(rng.next(upperBound: UInt64(columns - k))))
            let f = featureOrder[k]
            var lo = Float.infinity, hi = -Float.infinity
            for p in start..<end {
                let v = data[indices[p] * columns + f]
                lo = min(lo, v)
                hi = max(hi, v)
            }
            if hi <= lo + IsolationForest.featureThreshold { continue }
            var t = (Double(hi) - Double(lo)) * Double.random(in: 0..<1, using: &rng) + Double(lo)
            if t == Double(hi) { t = Double(lo) }
            return (f, t)
        }
        return nil
    }
}
