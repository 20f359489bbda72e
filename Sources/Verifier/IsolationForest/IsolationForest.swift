import KernelPointers
import NeuralNet

/// Why an IsolationForest could not be fitted, loaded or applied.
public enum IsolationForestError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Fitting needs at least one sample with at least one feature.
    case emptyTrainingSet
    /// The input is not a rank-2 `[samples, features]` matrix.
    case notAMatrix(shape: [Int])
    /// Rows of a `[[Double]]` input differ in length.
    case raggedRows(row: Int, expected: Int, found: Int)
    /// The input has a different number of features than the forest was fitted on.
    case featureCountMismatch(expected: Int, found: Int)
    /// Training data contains NaN or infinity (scikit-learn rejects these too).
    case nonFiniteValue(row: Int, feature: Int)
    /// A fitting parameter is out of range.
    case invalidParameter(String)
    /// A loaded forest is structurally inconsistent (tree index and reason).
    case malformedTree(tree: Int, reason: String)
    /// A loaded forest's top-level fields are missing or inconsistent.
    case malformedModel(String)

    public var description: String {
        switch self {
        case .emptyTrainingSet:
            return "IsolationForest: cannot fit on an empty training set"
        case .notAMatrix(let shape):
            return "IsolationForest: expected a [samples, features] matrix, got shape \(shape)"
        case .raggedRows(let row, let expected, let found):
            return "IsolationForest: row \(row) has \(found) values, expected \(expected)"
        case .featureCountMismatch(let expected, let found):
            return "IsolationForest: input has \(found) features, the forest was fitted on \(expected)"
        case .nonFiniteValue(let row, let feature):
            return "IsolationForest: training value at row \(row), feature \(feature) is not finite"
        case .invalidParameter(let reason):
            return "IsolationForest: invalid parameter: \(reason)"
        case .malformedTree(let tree, let reason):
            return "IsolationForest: tree \(tree) is malformed: \(reason)"
        case .malformedModel(let reason):
            return "IsolationForest: malformed model: \(reason)"
        }
    }
}

/// One isolation tree in scikit-learn's array layout (node 0 is the root; leaves have both
/// children −1). Kept in that layout so a forest fitted by scikit-learn loads and scores unchanged.
public struct IsolationTree: Equatable, Sendable {
    /// Sentinels scikit-learn writes at leaves.
    public static let leafChild = -1
    public static let leafFeature = -2
    public static let leafThreshold = -2.0

    public let childrenLeft: [Int]
    public let childrenRight: [Int]
    /// Feature tested at each internal node (`leafFeature` at leaves).
    public let feature: [Int]
    /// Go left iff `Double(Float(x[feature])) <= threshold`.
    public let threshold: [Double]
    /// Training samples that reached each node.
    public let nodeSampleCounts: [Int]
    /// Per node: the path length a sample ending here contributes, computed as scikit-learn does
    /// (`(depth + 1) + c(n_node_samples) − 1`, root depth 0), so summation reproduces it bit for bit.
    let pathLength: [Double]

    /// Validates the arrays (equal lengths, children after their parent, features in range).
    public init(childrenLeft: [Int], childrenRight: [Int], feature: [Int], threshold: [Double],
                nodeSampleCounts: [Int], featureCount: Int, index: Int = 0) throws(IsolationForestError) {
        let n = childrenLeft.count
        guard n > 0 else { throw .malformedTree(tree: index, reason: "no nodes") }
        guard childrenRight.count == n, feature.count == n, threshold.count == n, nodeSampleCounts.count == n else {
            throw .malformedTree(tree: index, reason: "node arrays have different lengths "
                + "(\(n), \(childrenRight.count), \(feature.count), \(threshold.count), \(nodeSampleCounts.count))")
        }
        var depth = [Int](repeating: -1, count: n)
        depth[0] = 0
        for node in 0..<n {
            guard depth[node] >= 0 else {
                throw .malformedTree(tree: index, reason: "node \(node) is not reachable from the root")
            }
            guard nodeSampleCounts[node] >= 0 else {
                throw .malformedTree(tree: index, reason: "node \(node) has a negative sample count")
            }
            let (l, r) = (childrenLeft[node], childrenRight[node])
            if l == Self.leafChild || r == Self.leafChild {
                guard l == r else {
                    throw .malformedTree(tree: index, reason: "node \(node) has exactly one child")
                }
                continue
            }
            for child in [l, r] {
                // Children always come after their parent in scikit-learn's depth-first numbering;
                // requiring it rules out cycles and shared nodes.
                guard child > node, child < n else {
                    throw .malformedTree(tree: index, reason: "node \(node) has child \(child) out of range")
                }
                guard depth[child] < 0 else {
                    throw .malformedTree(tree: index, reason: "node \(child) has two parents")
                }
                depth[child] = depth[node] + 1
            }
            guard feature[node] >= 0, feature[node] < featureCount else {
                throw .malformedTree(tree: index, reason: "node \(node) tests feature \(feature[node]) of \(featureCount)")
            }
            guard threshold[node].isFinite else {
                throw .malformedTree(tree: index, reason: "node \(node) has a non-finite threshold")
            }
        }
        self.childrenLeft = childrenLeft
        self.childrenRight = childrenRight
        self.feature = feature
        self.threshold = threshold
        self.nodeSampleCounts = nodeSampleCounts
        self.pathLength = (0..<n).map { node in
            Double(depth[node] + 1) + IsolationForest.averagePathLength(nodeSampleCounts[node]) - 1.0
        }
    }

    public var nodeCount: Int { childrenLeft.count }

    public static func == (a: IsolationTree, b: IsolationTree) -> Bool {
        a.childrenLeft == b.childrenLeft && a.childrenRight == b.childrenRight && a.feature == b.feature
            && a.threshold == b.threshold && a.nodeSampleCounts == b.nodeSampleCounts
    }
}

/// scikit-learn's IsolationForest (SPEC §3): fitted on encoder latents of valid images, it scores how
/// isolated a latent is. `scoreSamples` is scikit-learn's `score_samples`: values in [−1, 0), lower is
/// more anomalous; the verifier compares it against a fixed cut (−0.5).
public struct IsolationForest: Equatable, Sendable {
    public let trees: [IsolationTree]
    /// The `max_samples_` each tree was grown from; normalises path lengths via `c(maxSamples)`.
    public let maxSamples: Int
    /// Number of input features (the latent size).
    public let featureCount: Int
    /// scikit-learn's `offset_` (score percentile at the contamination rate); informational,
    /// the verifier uses its own cut.
    public let offset: Double
    /// The contamination `offset` was derived from; nil means scikit-learn's "auto" (offset −0.5).
    public let contamination: Double?

    /// Assembles a forest from trees (e.g. loaded from JSON).
    public init(trees: [IsolationTree], maxSamples: Int, featureCount: Int, offset: Double,
                contamination: Double?) throws(IsolationForestError) {
        guard !trees.isEmpty else { throw .malformedModel("the forest has no trees") }
        guard maxSamples >= 1 else { throw .malformedModel("max_samples_ is \(maxSamples), must be ≥ 1") }
        guard featureCount >= 1 else { throw .malformedModel("n_features_in_ is \(featureCount), must be ≥ 1") }
        self.trees = trees
        self.maxSamples = maxSamples
        self.featureCount = featureCount
        self.offset = offset
        self.contamination = contamination
    }

    /// The average path length of an unsuccessful search in a binary search tree of `n` keys —
    /// the expected isolation depth of `n` samples: `2(ln(n−1)+γ) − 2(n−1)/n`, 1 for n = 2, 0 for n ≤ 1.
    public static func averagePathLength(_ n: Int) -> Double {
        if n <= 1 { return 0 }
        if n == 2 { return 1 }
        let m = Double(n)
        return 2.0 * (log(m - 1.0) + eulerGamma) - 2.0 * (m - 1.0) / m
    }

    static let eulerGamma = 0.5772156649015329

    // MARK: Scoring

    /// scikit-learn's `score_samples` for a `[samples, features]` Float32 matrix (e.g. encoder latents).
    public func scoreSamples(_ x: Tensor) throws(IsolationForestError) -> [Double] {
        guard x.rank == 2 else { throw .notAMatrix(shape: x.shape) }
        guard x.shape[1] == featureCount else { throw .featureCountMismatch(expected: featureCount, found: x.shape[1]) }
        return x.storage.withUnsafeBufferPointer { score($0, rows: x.shape[0]) }
    }

    /// scikit-learn's `score_samples` for Double rows; values are cast to Float32 first, as scikit-learn does.
    public func scoreSamples(_ rows: [[Double]]) throws(IsolationForestError) -> [Double] {
        let flat = try Self.flatten(rows, columns: featureCount)
        return flat.withUnsafeBufferPointer { score($0, rows: rows.count) }
    }

    private func score(_ x: UnsafeBufferPointer<Float>, rows: Int) -> [Double] {
        var depths = [Double](repeating: 0, count: rows)
        let columns = featureCount
        // Trees in order, each adding to every sample: the summation order of scikit-learn.
        for tree in trees {
            withPointers(tree.childrenLeft, tree.childrenRight, tree.feature, tree.threshold, tree.pathLength) {
                left, right, feature, threshold, pathLength in
                for row in 0..<rows {
                    let base = row * columns
                    var node = 0
                    while left[node] != IsolationTree.leafChild {
                        node = Double(x[base + feature[node]]) <= threshold[node] ? left[node] : right[node]
                    }
                    depths[row] += pathLength[node]
                }
            }
        }
        let denominator = Double(trees.count) * Self.averagePathLength(maxSamples)
        return depths.map { depth in
            -pow(2.0, -(denominator != 0 ? depth / denominator : 1.0))
        }
    }

    static func flatten(_ rows: [[Double]], columns: Int) throws(IsolationForestError) -> [Float] {
        var flat = [Float]()
        flat.reserveCapacity(rows.count * columns)
        for (i, row) in rows.enumerated() {
            guard row.count == columns else {
                if i == 0 { throw .featureCountMismatch(expected: columns, found: row.count) }
                throw .raggedRows(row: i, expected: columns, found: row.count)
            }
            for v in row { flat.append(Float(v)) }
        }
        return flat
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
