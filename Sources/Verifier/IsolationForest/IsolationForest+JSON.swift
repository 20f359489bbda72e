import Foundation

/// The forest's JSON form, as exported from scikit-learn (`fixtures/model/README.md`): `trees` with
/// per-node arrays, `max_samples_`, `n_estimators`, `offset_`, `n_features_in_`, and optionally
/// `estimators_features_` (the feature subset each tree was grown on).
private struct ForestJSON: Codable {
    struct Tree: Codable {
        var children_left: [Int]
        var children_right: [Int]
        var feature: [Int]
        var threshold: [Double]
        var n_node_samples: [Int]
    }
    var sklearn_class: String?
    var n_estimators: Int
    var max_samples_: Int
    var offset_: Double
    var contamination: Contamination?
    var n_features_in_: Int
    var max_features_: Int?
    var estimators_features_: [[Int]]?
    var trees: [Tree]

    /// scikit-learn's `contamination` is a number or the string "auto".
    enum Contamination: Codable {
        case auto
        case fraction(Double)

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Double.self) { self = .fraction(v); return }
            let s = try c.decode(String.self)
            guard s == "auto" else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "contamination '\(s)' is neither a number nor \"auto\"")
            }
            self = .auto
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .auto: try c.encode("auto")
            case .fraction(let v): try c.encode(v)
            }
        }
    }
}

extension IsolationForest {
    /// Reads a forest from its JSON form (validating every tree).
    public init(jsonData data: Data) throws(IsolationForestError) {
        let json: ForestJSON
        do {
            json = try JSONDecoder().decode(ForestJSON.self, from: data)
        } catch {
            throw .malformedModel("not a forest JSON document (\(describeDecodingError(error)))")
        }
        guard json.trees.count == json.n_estimators else {
            throw .malformedModel("n_estimators is \(json.n_estimators) but \(json.trees.count) trees are stored")
        }
        if let subsets = json.estimators_features_, subsets.count != json.trees.count {
            throw .malformedModel("estimators_features_ has \(subsets.count) entries for \(json.trees.count) trees")
        }
        var trees: [IsolationTree] = []
        trees.reserveCapacity(json.trees.count)
        for (index, t) in json.trees.enumerated() {
            var feature = t.feature
            // A tree grown on a feature subset numbers features within that subset: map them to input columns.
            if let subset = json.estimators_features_?[index] {
                guard subset.allSatisfy({ $0 >= 0 && $0 < json.n_features_in_ }) else {
                    throw .malformedTree(tree: index, reason: "estimators_features_ lists a feature outside 0..<\(json.n_features_in_)")
                }
                for node in feature.indices where t.children_left.indices.contains(node)
                    && t.children_left[node] != IsolationTree.leafChild {
                    guard feature[node] >= 0, feature[node] < subset.count else {
                        throw .malformedTree(tree: index, reason: "node \(node) tests feature \(feature[node]) of a \(subset.count)-feature subset")
                    }
                    feature[node] = subset[feature[node]]
                }
            }
            trees.append(try IsolationTree(childrenLeft: t.children_left, childrenRight: t.children_right,
                                           feature: feature, threshold: t.threshold,
                                           nodeSampleCounts: t.n_node_samples,
                                           featureCount: json.n_features_in_, index: index))
        }
        let contamination: Double?
        switch json.contamination {
        case .fraction(let v): contamination = v
        case .auto, nil: contamination = nil
        }
        try self.init(trees: trees, maxSamples: json.max_samples_, featureCount: json.n_features_in_,
                      offset: json.offset_, contamination: contamination)
    }

    /// The JSON form, byte-for-byte deterministic (sorted keys) so a bundle's content hash is stable.
    public func jsonData() throws(IsolationForestError) -> Data {
        let json = ForestJSON(
            sklearn_class: "IsolationForest",
            n_estimators: trees.count,
            max_samples_: maxSamples,
            offset_: offset,
            contamination: contamination.map { .fraction($0) } ?? .auto,
            n_features_in_: featureCount,
            max_features_: featureCount,
            estimators_features_: nil,
            trees: trees.map {
                ForestJSON.Tree(children_left: $0.childrenLeft, children_right: $0.childrenRight,
                                feature: $0.feature, threshold: $0.threshold, n_node_samples: $0.nodeSampleCounts)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(json)
        } catch {
            throw .malformedModel("cannot encode as JSON (\(describeDecodingError(error)))")
        }
    }
}

/// A one-line reason for a JSON decoding failure (the missing field or the path of the bad value),
/// instead of the decoder's nested debug dump.
func describeDecodingError(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let ctx):
        let path = (ctx.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        return "missing field '\(path)'"
    case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx),
         DecodingError.dataCorrupted(let ctx):
        let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? ctx.debugDescription : "\(path): \(ctx.debugDescription)"
    default:
        return "\(error)"
    }
}
