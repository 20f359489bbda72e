import ArgumentParser
import Benchmarks
import NeuralNet
import Training

/// `sigverify benchmark train`: training images/s of each network (one forward + backward + Adam
/// step per batch), both cores through the multithreaded BLAS.
struct BenchmarkTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure training-step throughput of the autoencoder and the classifier.",
        discussion: "scripts/bench-train.sh runs TensorFlow-CPU on the same models and batch in the same run and prints the ratio.")

    @Option(name: .long, help: "Square input side.")
    var inputSize = 224

    @Option(name: .long, help: "Autoencoder latent size.")
    var latentDim = 128

    @Option(name: .long, help: "Images per training step.")
    var batchSize = 32

    @Option(name: .long, help: "Timed steps per network (the fastest is reported).")
    var steps = 3

    @Option(name: .long, help: "Measure only this network (autoencoder or classifier); both by default.")
    var network: TrainingPhase?

    @Flag(name: .long, help: "Print tab-separated rows (network, batch, seconds per step, images/s) for scripts.")
    var tsv = false

    func validate() throws {
        guard inputSize >= 32, inputSize % 16 == 0 else { throw ValidationError("--input-size must be a multiple of 16, at least 32") }
        guard batchSize >= 1, steps >= 1, latentDim >= 1 else { throw ValidationError("--batch-size, --steps and --latent-dim must be positive") }
    }

    func run() throws {
        if !tsv {
            print("OpenBLAS \(BLAS.kernelReport); input \(inputSize)×\(inputSize), latent \(latentDim), batch \(batchSize), best of \(steps) steps")
        }
        for m in try TrainingBenchmark.measure(inputSize: inputSize, latentDim: latentDim, batchSize: batchSize, steps: steps,
                                                            networks: network.map { [$0] } ?? [.autoencoder, .classifier]) {
            if tsv {
                print("\(m.network.rawValue)\t\(m.batchSize)\t\(m.stepSeconds)\t\(m.imagesPerSecond)")
            } else {
                print(m.network.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                      + String(format: " %7.1f images/s  %7.1f ms/step  (CPU %.2f s per step, %.2f cores busy)",
                               m.imagesPerSecond, m.stepSeconds * 1000, m.stepCPUSeconds, m.stepCPUSeconds / m.stepSeconds))
            }
        }
    }
}

extension TrainingPhase: ExpressibleByArgument {}
