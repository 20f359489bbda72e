import Foundation
import NeuralNet
import Training
import Verifier

/// Training-step throughput of both networks (forward, backward and one Adam update per step), for
/// `sigverify benchmark train` and the side-by-side comparison with TensorFlow.
public enum TrainingBenchmark {
    public struct Measurement: Sendable {
        public var network: TrainingPhase
        public var batchSize: Int
        /// Best wall-clock seconds of one step over the timed steps.
        public var stepSeconds: Double
        /// Process CPU seconds (all threads) of that step.
        public var stepCPUSeconds: Double
        public var imagesPerSecond: Double { Double(batchSize) / stepSeconds }
    }

    /// Times `steps` training steps of each network on random inputs (after one warm-up step) and
    /// keeps the fastest, which is the least disturbed by other processes on a shared machine.
    public static func measure(inputSize: Int, latentDim: Int, batchSize: Int, steps: Int,
                               networks: [TrainingPhase] = [.autoencoder, .classifier],
                               seed: UInt64 = 1) throws -> [Measurement] {
        let parameters = VerifierParameters(inputShape: [inputSize, inputSize, 1], latentDim: latentDim,
                                            reconstructionThreshold: 0)
        var rng = SeededGenerator(seed: seed)
        let count = batchSize * inputSize * inputSize
        // Ink-like sparse binary images, as the preprocessing produces.
        let x = Tensor(shape: [batchSize, inputSize, inputSize, 1],
                       storage: (0..<count).map { _ in rng.nextUnitFloat() < 0.08 ? 1 : 0 })
        let labels = (0..<batchSize).map { Float($0 % 2) }

        var measurements: [Measurement] = []
        for network in networks {
            let best: (wall: Double, cpu: Double)
            switch network {
            case .autoencoder:
                var autoencoder = try Autoencoder(parameters: parameters, seed: seed)
                var adam = Adam(learningRate: 1e-4)
                best = time(steps: steps) {
                    _ = autoencoder.computeGradients(input: x, target: x)
                    autoencoder.applyGradients(&adam)
                }
            case .classifier:
                var classifier = try Classifier(parameters: parameters, seed: seed &+ 1)
                var adam = Adam(learningRate: 1e-3)
                best = time(steps: steps) {
                    _ = classifier.computeGradients(batch: x, labels: labels)
                    classifier.applyGradients(&adam)
                }
            }
            measurements.append(Measurement(network: network, batchSize: batchSize,
                                            stepSeconds: best.wall, stepCPUSeconds: best.cpu))
        }
        return measurements
    }

    private static func time(steps: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
        body()  // warm-up: buffers, BLAS threads
        var best = (wall: Double.infinity, cpu: Double.infinity)
        for _ in 0..<max(1, steps) {
            let cpu0 = processCPUSeconds()
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if wall < best.wall { best = (wall, processCPUSeconds() - cpu0) }
        }
        return best
    }
}
