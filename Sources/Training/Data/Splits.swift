/// Index splits of a data set into a training part and a held-out part.
public struct SplitIndices: Sendable, Equatable {
    public var train: [Int]
    public var heldOut: [Int]
}

public enum DataSplit {
    /// Stratified and shuffled: each class contributes `fraction` of its items (rounded) to the
    /// held-out part — at least one and never all of a class with two or more items, when
    /// 0 < fraction < 1 — and both parts come out shuffled. Replaces the reference's "last 20 %"
    /// split, which held out only non-signatures.
    public static func stratified<G: RandomNumberGenerator>(labels: [SampleLabel], heldOutFraction fraction: Double,
                                                            using rng: inout G) -> SplitIndices {
        var train: [Int] = [], held: [Int] = []
        for label in SampleLabel.allCases {
            var idx = labels.indices.filter { labels[$0] == label }
            rng.shuffle(&idx)
            let n = heldOutCount(idx.count, fraction)
            held += idx.prefix(n)
            train += idx.dropFirst(n)
        }
        rng.shuffle(&train)
        rng.shuffle(&held)
        return SplitIndices(train: train, heldOut: held)
    }

    static func heldOutCount(_ n: Int, _ fraction: Double) -> Int {
        let f = min(1, max(0, fraction))
        var k = Int((Double(n) * f).rounded())
        if f > 0, f < 1, n >= 2 { k = min(n - 1, max(1, k)) }
        return k
    }

    /// Group-disjoint (e.g. writer-disjoint): every group goes wholly to one part, so a model is
    /// tested on writers it never saw. Groups are visited in shuffled order and held out while the
    /// held-out count of the group's majority class is below `fraction` of that class. Items
    /// without a group (nil) are their own group.
    public static func groupDisjoint<G: RandomNumberGenerator>(labels: [SampleLabel], groups: [String?],
                                                               heldOutFraction fraction: Double,
                                                               using rng: inout G) -> SplitIndices {
        precondition(labels.count == groups.count, "groupDisjoint: \(labels.count) labels but \(groups.count) groups")
        var members: [String: [Int]] = [:]
        for i in labels.indices { members[groups[i] ?? "\u{0}item\(i)", default: []].append(i) }
        var keys = members.keys.sorted()  // fixed order before shuffling: same seed, same split
        rng.shuffle(&keys)
        var target: [SampleLabel: Double] = [:], held: [SampleLabel: Int] = [:]
        for label in SampleLabel.allCases {
            target[label] = Double(labels.filter { $0 == label }.count) * min(1, max(0, fraction))
        }
        var train: [Int] = [], out: [Int] = []
        for key in keys {
            let idx = members[key]!
            let valid = idx.filter { labels[$0] == .valid }.count
            let majority: SampleLabel = valid * 2 >= idx.count ? .valid : .invalid
            if Double(held[majority, default: 0]) < target[majority]! {
                out += idx
                for i in idx { held[labels[i], default: 0] += 1 }
            } else {
                train += idx
            }
        }
        rng.shuffle(&train)
        rng.shuffle(&out)
        return SplitIndices(train: train, heldOut: out)
    }
}
