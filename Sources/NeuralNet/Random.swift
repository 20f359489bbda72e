/// A small, fast, seedable generator (SplitMix64) so initialisation and dropout are reproducible
/// from one seed on every platform (the standard library's generator is not seedable).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    @inline(__always)
    static func mix(_ s: UInt64) -> UInt64 {
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The value the (k+1)-th next `next()` call will return (k = 0: the next one), without advancing:
    /// SplitMix64 is counter-based, so disjoint stretches of the stream can be drawn in parallel.
    @inline(__always)
    func peek(ahead k: Int) -> UInt64 {
        Self.mix(state &+ UInt64(truncatingIfNeeded: k + 1) &* Self.increment)
    }

    /// Skips `count` values, as that many `next()` calls would.
    mutating func advance(by count: Int) {
        state &+= UInt64(truncatingIfNeeded: count) &* Self.increment
    }

    /// Uniform in [0, 1).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }
}

/// Keras' default initialisers.
public enum Initializer {
    /// Glorot (Xavier) uniform, Keras fans: the last axis is fan-out, the one before it fan-in,
    /// the leading axes the receptive field. `limit = sqrt(6 / (fanIn + fanOut))`.
    public static func glorotUniform(shape: [Int], using rng: inout SeededGenerator) -> Tensor {
        let receptive = shape.dropLast(2).reduce(1, *)
        let fanIn = shape.count >= 2 ? shape[shape.count - 2] * receptive : shape.first ?? 1
        let fanOut = shape.count >= 2 ? shape[shape.count - 1] * receptive : shape.first ?? 1
        let limit = (6 / Float(fanIn + fanOut)).squareRoot()
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = (rng.nextUnitFloat() * 2 - 1) * limit }
        return Tensor(shape: shape, storage: values)
    }
}
