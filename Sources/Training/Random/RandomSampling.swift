import Foundation
import NeuralNet

/// The training pipeline draws every synthetic image, augmentation and data split from
/// `NeuralNet.SeededGenerator` (the project's one seedable generator), so a run is reproducible
/// from one `UInt64` seed on any platform.
extension SeededGenerator {
    /// An independent stream for item `index` of purpose `stream` under `seed`: lets image *i* be
    /// regenerated alone (or on another thread) without replaying images 0..<i.
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        var sm = SeededGenerator(seed: seed)
        let a = sm.next() ^ (stream &* 0x9E37_79B9_7F4A_7C15)
        var sm2 = SeededGenerator(seed: a)
        let b = sm2.next() ^ (index &* 0xD1B5_4A32_D192_ED03)
        self.init(seed: b)
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
