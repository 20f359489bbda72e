#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Imaging
import Preprocessing

/// Single-threaded timing of decode + preprocess, for `sigverify benchmark preprocess` and
/// `scripts/bench-preprocess.sh` (which runs OpenCV on the same files in the same run).
public enum PreprocessingBenchmark {
    /// Mean per-image timings of one input.
    public struct Measurement: Sendable {
        public let label: String
        public let width: Int
        public let height: Int
        /// Seconds to decode the encoded bytes once; nil for an in-memory image.
        public let decodeSeconds: Double?
        /// Seconds for `profile.run` (to the Float32 input) once.
        public let preprocessSeconds: Double
        /// Seconds per seed stage (empty for other profiles), in pipeline order.
        public let stageSeconds: [(stage: String, seconds: Double)]

        /// Images per second for decode + preprocess (preprocess only without decoding).
        public var imagesPerSecond: Double { 1 / ((decodeSeconds ?? 0) + preprocessSeconds) }
    }

    /// Times decoding `bytes` (if given) and preprocessing `image` with `profile`, each repeated
    /// until `minimumSeconds` have passed (at least 3 times, after one warm-up run). Times are
    /// the calling thread's CPU time, not wall time: on a shared machine other processes then
    /// slow the measurement only through shared caches, not by taking the core away.
    /// `size` is the network input's side; the decode is the one the profile asks for at that size
    /// (for `clean` version 2, JPEGs with DCT scaling) and `image` should come from it.
    public static func measure(label: String, bytes: [UInt8]?, image: GrayImage, profile: PreprocessingProfile,
                               size: Int = 224, minimumSeconds: Double = 0.5) throws -> Measurement {
        let decoder = ImageDecoder(options: profile.decodeOptions(DecodeOptions(), width: size, height: size))
        let decode: Double? = try bytes.map { data in try meanSeconds(minimumSeconds) { _ = try decoder.decode(data) } }
        let total = try meanSeconds(minimumSeconds) { _ = try profile.run(image, width: size, height: size) }
        var stages: [(String, Double)] = []
        if profile == .seed {
            let equalized = SeedStages.equalizeHistogram(image)
            let blurred = SeedStages.gaussianBlur3x3(equalized)
            let thresholded = SeedStages.adaptiveThreshold(blurred)
            let opened = SeedStages.open2x2(thresholded)
            let resized = try SeedStages.resizeBilinear(opened, width: 224, height: 224)
            let share = minimumSeconds / 4
            stages = [
                ("equalize", try meanSeconds(share) { _ = SeedStages.equalizeHistogram(image) }),
                ("blur", try meanSeconds(share) { _ = SeedStages.gaussianBlur3x3(equalized) }),
                ("threshold", try meanSeconds(share) { _ = SeedStages.adaptiveThreshold(blurred) }),
                ("open", try meanSeconds(share) { _ = SeedStages.open2x2(thresholded) }),
                ("resize", try meanSeconds(share) { _ = try SeedStages.resizeBilinear(opened, width: 224, height: 224) }),
                ("float", try meanSeconds(share) { _ = SeedStages.normalizedFloats(resized) }),
            ]
        }
        return Measurement(label: label, width: image.width, height: image.height,
                           decodeSeconds: decode, preprocessSeconds: total, stageSeconds: stages)
    }

    /// `measure` on the scan file at `path` (decoded once untimed for the image), labelled with its name.
    public static func measure(file path: String, profile: PreprocessingProfile, size: Int = 224,
                               minimumSeconds: Double) throws -> Measurement {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let decoder = ImageDecoder(options: profile.decodeOptions(DecodeOptions(), width: size, height: size))
        return try measure(label: URL(fileURLWithPath: path).lastPathComponent, bytes: bytes, image: try decoder.decode(bytes),
                           profile: profile, size: size, minimumSeconds: minimumSeconds)
    }

    /// `measure` on a `syntheticScan` of `width`×`height`, timed from the image (no decode).
    public static func measureSynthetic(width: Int, height: Int, label: String, profile: PreprocessingProfile,
                                        size: Int = 224, minimumSeconds: Double) throws -> Measurement {
        try measure(label: label, bytes: nil, image: syntheticScan(width: width, height: height), profile: profile,
                    size: size, minimumSeconds: minimumSeconds)
    }

    /// A deterministic scan-like page: light paper with grain and a slow shading gradient, and
    /// a few dark pen strokes — large enough to exercise the kernels like a 300–600 dpi scan.
    public static func syntheticScan(width: Int, height: Int) -> GrayImage {
        var pixels = [UInt8](repeating: 0, count: width * height)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        pixels.withUnsafeMutableBufferPointer { p in
            for y in 0..<height {
                for x in 0..<width {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let grain = Int((state >> 59) & 15) - 8
                    let shade = 215 + (20 * x) / max(width, 1) - (10 * y) / max(height, 1)
                    p[y * width + x] = UInt8(clamping: shade + grain)
                }
            }
            // Strokes: a few sine-like curves, about 0.4 % of the page height thick.
            let thickness = max(2, height / 250)
            for stroke in 0..<4 {
                let amplitude = Double(height) * (0.08 + 0.03 * Double(stroke))
                let period = Double(width) * (0.15 + 0.05 * Double(stroke))
                let baseline = Double(height) * (0.3 + 0.12 * Double(stroke))
                for x in (width / 10)..<(width * 9 / 10) {
                    let phase = Double(x) / period * 2 * Double.pi
                    let y = Int(baseline + amplitude * phase.sinApprox)
                    for dy in 0..<thickness where (0..<height).contains(y + dy) {
                        p[(y + dy) * width + x] = UInt8(30 + 10 * stroke)
                    }
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    static func meanSeconds(_ minimum: Double, _ body: () throws -> Void) throws -> Double {
        try body()  // warm-up: page in buffers, fill caches
        var iterations = 0
        let start = threadCPUSeconds()
        var elapsed = 0.0
        repeat {
            try body()
            iterations += 1
            elapsed = threadCPUSeconds() - start
        } while elapsed < minimum || iterations < 3
        return elapsed / Double(iterations)
    }

    /// CPU seconds consumed by the calling thread.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

private extension Double {
    /// sin via a Bhaskara-style approximation: enough for drawing test strokes, no libm needed.
    var sinApprox: Double {
        var x = self.truncatingRemainder(dividingBy: 2 * .pi)
        if x < 0 { x += 2 * .pi }
        let sign: Double = x > .pi ? -1 : 1
        if x > .pi { x -= .pi }
        return sign * 16 * x * (.pi - x) / (5 * .pi * .pi - 4 * x * (.pi - x))
    }
}
