import ArgumentParser
import Foundation
import NeuralNet
import Verifier

/// `sigverify benchmark nn`: release-build forward throughput of the full verifier (encoder, decoder,
/// forest, classifier) at batch 1 and batch 32, as images/s and GFLOP/s against this machine's SGEMM peak
/// measured in the same run (a 2048³ `cblas_sgemm`), then a per-layer table (ms, GFLOP/s, share of
/// the pass) for each batch size. `scripts/bench-nn.sh` runs TensorFlow on the same work beside it.
struct BenchmarkNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Measure verifier throughput and the fraction of the SGEMM peak it reaches.")

    @Option(name: .long, help: "Model bundle to run (default: Glorot-initialised networks of --size).")
    var model: String?

    @Option(name: .long, help: "Input side for the Glorot-initialised model.")
    var size = 224

    @Option(name: .long, help: "Latent size for the Glorot-initialised model.")
    var latent = 128

    @Option(name: .long, help: "Timed passes per batch size (the best is reported).")
    var repeats = 3

    @Option(name: .long, help: "Images per network pass inside the verifier (a batch of 32 is split into passes of this size).")
    var maxBatch = 32

    @Option(name: .long, help: "Side of the square SGEMM used for the peak.")
    var gemmSize = 2048

    @Option(name: .long, parsing: .upToNextOption,
            help: "Also run this many concurrent verifier callers (e.g. 1 2 4), each with its share of the cores, and print the total throughput.")
    var callers: [Int] = []

    @Option(name: .long, help: "Batches each concurrent caller verifies.")
    var callerPasses = 2

    @Flag(name: .long, help: "Print only tab-separated rows (batch, best seconds per batch, images/s, best CPU-seconds per batch) for scripts.")
    var tsv = false

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1") }
        guard gemmSize >= 64 else { throw ValidationError("--gemm-size must be at least 64") }
        guard callers.allSatisfy({ $0 >= 1 }), callerPasses >= 1 else {
            throw ValidationError("--callers and --caller-passes must be at least 1")
        }
    }

    func run() throws {
        let bundle = try loadOrCreateBundle()
        let verifier = Verifier(bundle: bundle, maxBatch: maxBatch)
        let cost = ForwardCost(parameters: bundle.parameters)
        if tsv { return try printRows(verifier) }
        print("OpenBLAS \(BLAS.kernelReport); verifier passes of at most \(maxBatch) images")
        print("model \(model ?? "Glorot-initialised") input \(bundle.parameters.inputShape) latent \(bundle.parameters.latentDim)")
        print(String(format: "FLOPs per image: %.4f GFLOP (encoder %.4f, decoder %.4f, classifier %.4f)",
                     gflop(cost.total), gflop(cost.encoder), gflop(cost.decoder), gflop(cost.classifier)))

        // Interleave the SGEMM and verifier runs and keep the best of each, so that load from other
        // processes during one phase does not skew the fraction.
        let inputs = randomInputs(bundle.parameters)
        let gemm = SquareGEMM(size: gemmSize)
        gemm.run()  // warm-up: OpenBLAS threads and buffers
        for input in inputs { _ = try verifier.verify(input) }
        var bestGEMM = Timing.worst
        var bestVerify = [Timing](repeating: .worst, count: inputs.count)
        for _ in 0..<repeats {
            bestGEMM = bestGEMM.best(with: measure { gemm.run() })
            for (i, input) in inputs.enumerated() {
                bestVerify[i] = bestVerify[i].best(with: try measure { _ = try verifier.verify(input) })
            }
        }
        let peak = gemm.flops / bestGEMM.wall / 1e9
        let cpuPeak = gemm.flops / bestGEMM.cpu / 1e9
        print(String(format: "SGEMM %d³: %.1f GFLOP/s wall clock, %.1f GFLOP per CPU-second (best of %d)",
                     gemmSize, peak, cpuPeak, repeats))
        for (i, batch) in Self.batches.enumerated() {
            let imagesPerSecond = Double(batch) / bestVerify[i].wall
            let achieved = Double(cost.total) * imagesPerSecond / 1e9
            let cpuAchieved = Double(cost.total * batch) / bestVerify[i].cpu / 1e9
            print(String(format: "verifier batch %2d: %8.2f images/s  %7.1f ms/batch  %6.1f GFLOP/s  = %5.1f %% of SGEMM peak"
                         + "  (per CPU-second: %5.1f GFLOP = %5.1f %%)",
                         batch, imagesPerSecond, bestVerify[i].wall * 1000, achieved, 100 * achieved / peak,
                         cpuAchieved, 100 * cpuAchieved / cpuPeak))
        }
        print("(wall clock is what a dedicated machine sees; the per-CPU-second figures are steadier when other processes compete for the cores)")
        for input in inputs {
            try LayerProfile.measure(bundle, input: input, repeats: repeats).lines().forEach { print($0) }
        }
        for count in callers {
            print(ConcurrentCallers.measure(verifier, input: inputs[inputs.count - 1], callers: count, passes: callerPasses).line)
        }
    }

    private static let batches = [1, 32]

    /// One random batch per entry of `batches` (the same seed every run).
    private func randomInputs(_ parameters: VerifierParameters) -> [Tensor] {
        var rng = SeededGenerator(seed: 1)
        return Self.batches.map { batch in
            let shape = [batch] + parameters.inputShape
            return Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in rng.nextUnitFloat() })
        }
    }

    /// `--tsv`: batch, best wall seconds per verifier pass, images/s, best process CPU-seconds per
    /// pass — one row per batch size.
    private func printRows(_ verifier: Verifier) throws {
        for input in randomInputs(verifier.bundle.parameters) {
            _ = try verifier.verify(input)  // warm-up
            var best = Timing.worst
            for _ in 0..<repeats { best = best.best(with: try measure { _ = try verifier.verify(input) }) }
            print("\(input.shape[0])\t\(best.wall)\t\(Double(input.shape[0]) / best.wall)\t\(best.cpu)")
        }
    }

    /// Wall-clock and process CPU seconds (user + system, all threads) of one run.
    private struct Timing {
        var wall: Double
        var cpu: Double
        static let worst = Timing(wall: .infinity, cpu: .infinity)
        func best(with other: Timing) -> Timing { Timing(wall: min(wall, other.wall), cpu: min(cpu, other.cpu)) }
    }

    private func measure(_ body: () throws -> Void) rethrows -> Timing {
        let cpu = processCPUSeconds()
        let wall = try time(body)
        return Timing(wall: wall, cpu: processCPUSeconds() - cpu)
    }

    private func gflop(_ flops: Int) -> Double { Double(flops) / 1e9 }

    private func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The bundle at `--model`, or Glorot-initialised networks with a forest fitted on their latents of
    /// random inputs, written to a temporary folder (a bundle is always a folder).
    private func loadOrCreateBundle() throws -> ModelBundle {
        if let model { return try ModelBundle.load(from: URL(fileURLWithPath: model)) }
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
}

/// Process CPU seconds so far (user + system, all threads).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
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
