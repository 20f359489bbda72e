import Dispatch
import Foundation
import NeuralNet
import Verifier

/// The measurements of `sigverify benchmark nn`: the verifier's forward passes at batch 1 and 32
/// against this machine's SGEMM peak (a square `BLAS.sgemmSplit`) measured in the same run.
public enum NNBenchmark {
    /// The batch sizes measured, one random input each.
    public static let batches = [1, 32]

    /// Wall-clock and process CPU seconds (user + system, all threads) of one run.
    public struct Timing: Sendable {
        public var wall: Double
        public var cpu: Double
        public static let worst = Timing(wall: .infinity, cpu: .infinity)
        public func best(with other: Timing) -> Timing { Timing(wall: min(wall, other.wall), cpu: min(cpu, other.cpu)) }
    }

    /// The SGEMM peak and the verifier's passes, best of `repeats` each.
    public struct Peak: Sendable {
        /// Floating-point operations of one SGEMM.
        public var gemmFLOPs: Double
        public var gemm: Timing
        /// One per input, in order.
        public var passes: [Timing]
    }

    /// Interleaves the SGEMM and verifier runs (after one warm-up of each) and keeps the best of
    /// each, so that load from other processes during one phase does not skew their ratio.
    public static func measurePeak(_ verifier: Verifier, inputs: [Tensor], gemmSize: Int, repeats: Int) throws -> Peak {
        let gemm = SquareGEMM(size: gemmSize)
        gemm.run()  // warm-up: OpenBLAS threads and buffers
        for input in inputs { _ = try verifier.verify(input) }
        var peak = Peak(gemmFLOPs: gemm.flops, gemm: .worst, passes: [Timing](repeating: .worst, count: inputs.count))
        for _ in 0..<repeats {
            peak.gemm = peak.gemm.best(with: measure { gemm.run() })
            for (i, input) in inputs.enumerated() {
                peak.passes[i] = peak.passes[i].best(with: try measure { _ = try verifier.verify(input) })
            }
        }
        return peak
    }

    /// The best of `repeats` verifier passes over `input`, after one warm-up pass.
    public static func bestPass(_ verifier: Verifier, input: Tensor, repeats: Int) throws -> Timing {
        _ = try verifier.verify(input)  // warm-up
        var best = Timing.worst
        for _ in 0..<repeats { best = best.best(with: try measure { _ = try verifier.verify(input) }) }
        return best
    }

    /// One random batch per entry of `batches` (the same seed every run).
    public static func randomInputs(_ parameters: VerifierParameters) -> [Tensor] {
        var rng = SeededGenerator(seed: 1)
        return batches.map { batch in
            let shape = [batch] + parameters.inputShape
            return Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in rng.nextUnitFloat() })
        }
    }

    /// The bundle at `model`, or Glorot-initialised networks of `size` with a forest fitted on
    /// their latents of random inputs, written to a temporary folder (a bundle is always a folder).
    public static func bundle(model: URL?, size: Int, latent: Int) throws -> ModelBundle {
        if let model { return try ModelBundle.load(from: model) }
        let parameters = VerifierParameters(inputShape: [size, size, 1], latentDim: latent, reconstructionThreshold: 0.05)
        let autoencoder = try Autoencoder(parameters: parameters, seed: 1)
        let classifier = try Classifier(parameters: parameters, seed: 2)
        var rng = SeededGenerator(seed: 3)
        let sample = Tensor(shape: [8, size, size, 1], storage: (0..<(8 * size * size)).map { _ in rng.nextUnitFloat() })
        let forest = try IsolationForest.fit(autoencoder.encode(sample), seed: 4)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sigverify-benchmark-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        return try ModelBundle.write(parameters: parameters, autoencoder: autoencoder, classifier: classifier,
                                     forest: forest, to: folder)
    }

    private static func measure(_ body: () throws -> Void) rethrows -> Timing {
        let cpu = processCPUSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Timing(wall: wall, cpu: processCPUSeconds() - cpu)
    }
}

/// C = A·B for random n×n matrices: the machine's practical Float32 peak through the same OpenBLAS,
/// on all cores the way every product of the engine uses them (`BLAS.sgemmSplit`: one single-threaded
/// block per core).
private final class SquareGEMM {
    let n: Int
    let a: [Float], b: [Float]
    var c: [Float]

    init(size n: Int) {
        self.n = n
        var rng = SeededGenerator(seed: 2)
        a = (0..<(n * n)).map { _ in rng.nextUnitFloat() - 0.5 }
        b = (0..<(n * n)).map { _ in rng.nextUnitFloat() - 0.5 }
        c = [Float](repeating: 0, count: n * n)
    }

    var flops: Double { 2 * Double(n) * Double(n) * Double(n) }

    func run() {
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.sgemmSplit(m: n, n: n, k: n, a: ap.baseAddress!, lda: n, b: bp.baseAddress!, ldb: n,
                                    c: cp.baseAddress!, ldc: n)
                }
            }
        }
    }
}
