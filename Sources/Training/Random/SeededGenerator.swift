import Foundation

/// The one reproducible random source of the training pipeline: xoshiro256** (Blackman & Vigna),
/// seeded through SplitMix64 as its authors recommend. Every synthetic image, augmentation and
/// data split draws from it, so a run is reproducible from one `UInt64` seed on any platform
/// (the system generator is neither seedable nor stable across platforms).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// An independent stream for item `index` of purpose `stream` under `seed`: lets image *i* be
    /// regenerated alone (or on another thread) without replaying images 0..<i.
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        var sm = SplitMix64(state: seed)
        let a = sm.next() ^ (stream &* 0x9E37_79B9_7F4A_7C15)
        var sm2 = SplitMix64(state: a)
        let b = sm2.next() ^ (index &* 0xD1B5_4A32_D192_ED03)
        self.init(seed: b)
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64 (Steele, Lea & Flood): only used to expand a seed into xoshiro's 256-bit state.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Sampling helpers with a fixed, documented algorithm (the standard library's `random(in:using:)`
/// may change between Swift releases, which would silently change every generated data set).
extension RandomNumberGenerator {
    /// Uniform in [0, 1) with 53 random bits.
    @inlinable public mutating func unitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [lower, upper).
    @inlinable public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unitDouble()
    }

    /// Uniform integer in `range` (Lemire's multiply-shift with rejection: unbiased).
    @inlinable public mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the full 64-bit range
        var m = next().multipliedFullWidth(by: span)
        if m.low < span {
            let threshold = (0 &- span) % span
            while m.low < threshold { m = next().multipliedFullWidth(by: span) }
        }
        return range.lowerBound &+ Int(truncatingIfNeeded: m.high)
    }

    /// True with probability `p`.
    @inlinable public mutating func chance(_ p: Double) -> Bool { unitDouble() < p }

    /// A standard normal deviate (Box–Muller).
    @inlinable public mutating func gaussian() -> Double {
        let u1 = 1.0 - unitDouble()  // (0, 1]
        let u2 = unitDouble()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }

    /// One element of a non-empty array, uniformly.
    @inlinable public mutating func pick<T>(_ items: [T]) -> T {
        items[integer(in: 0...(items.count - 1))]
    }

    /// Fisher–Yates shuffle with this generator's fixed algorithm.
    @inlinable public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = integer(in: 0...i)
            if i != j { items.swapAt(i, j) }
        }
    }
}
