import ArgumentParser
import Benchmarks
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
        let bundle = try NNBenchmark.bundle(model: model.map { URL(fileURLWithPath: $0) }, size: size, latent: latent)
        let verifier = Verifier(bundle: bundle, maxBatch: maxBatch)
        let inputs = NNBenchmark.randomInputs(bundle.parameters)
        if tsv { return try printRows(verifier, inputs: inputs) }
        let cost = ForwardCost(parameters: bundle.parameters)
        print("OpenBLAS \(BLAS.kernelReport); verifier passes of at most \(maxBatch) images")
        print("model \(model ?? "Glorot-initialised") input \(bundle.parameters.inputShape) latent \(bundle.parameters.latentDim)")
        print(String(format: "FLOPs per image: %.4f GFLOP (encoder %.4f, decoder %.4f, classifier %.4f)",
                     gflop(cost.total), gflop(cost.encoder), gflop(cost.decoder), gflop(cost.classifier)))
        let measured = try NNBenchmark.measurePeak(verifier, inputs: inputs, gemmSize: gemmSize, repeats: repeats)
        let peak = measured.gemmFLOPs / measured.gemm.wall / 1e9
        let cpuPeak = measured.gemmFLOPs / measured.gemm.cpu / 1e9
        print(String(format: "SGEMM %d³: %.1f GFLOP/s wall clock, %.1f GFLOP per CPU-second (best of %d)",
                     gemmSize, peak, cpuPeak, repeats))
        for (batch, pass) in zip(NNBenchmark.batches, measured.passes) {
            let imagesPerSecond = Double(batch) / pass.wall
            let achieved = Double(cost.total) * imagesPerSecond / 1e9
            let cpuAchieved = Double(cost.total * batch) / pass.cpu / 1e9
            print(String(format: "verifier batch %2d: %8.2f images/s  %7.1f ms/batch  %6.1f GFLOP/s  = %5.1f %% of SGEMM peak"
                         + "  (per CPU-second: %5.1f GFLOP = %5.1f %%)",
                         batch, imagesPerSecond, pass.wall * 1000, achieved, 100 * achieved / peak,
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

    /// `--tsv`: batch, best wall seconds per verifier pass, images/s, best process CPU-seconds per
    /// pass — one row per batch size.
    private func printRows(_ verifier: Verifier, inputs: [Tensor]) throws {
        for input in inputs {
            let best = try NNBenchmark.bestPass(verifier, input: input, repeats: repeats)
            print("\(input.shape[0])\t\(best.wall)\t\(Double(input.shape[0]) / best.wall)\t\(best.cpu)")
        }
    }

    private func gflop(_ flops: Int) -> Double { Double(flops) / 1e9 }
}
