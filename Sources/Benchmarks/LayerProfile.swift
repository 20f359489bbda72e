import Foundation
import NeuralNet
import Verifier

/// The per-layer table of `sigverify benchmark nn`: each fused step of the encoder, decoder and
/// classifier over one batch, plus the reconstruction error and the forest — the same work as one
/// `Verifier.verify` pass — each step's best time over several passes.
public struct LayerProfile: Sendable {
    public struct Row: Sendable {
        public var network: String
        public var step: String
        public var output: [Int]
        public var seconds: Double
        public var flops: Int
    }

    public let batch: Int
    public private(set) var rows: [Row]

    /// Best time of each step over `repeats` passes of `x` through the bundle's networks.
    public static func measure(_ bundle: ModelBundle, input x: Tensor, repeats: Int) throws -> LayerProfile {
        var best = try LayerProfile(bundle, x)
        for _ in 1..<max(1, repeats) {
            let pass = try LayerProfile(bundle, x)
            for i in best.rows.indices { best.rows[i].seconds = min(best.rows[i].seconds, pass.rows[i].seconds) }
        }
        return best
    }

    private init(_ bundle: ModelBundle, _ x: Tensor) throws {
        var rows: [Row] = []
        func record(_ network: String) -> (InferenceStepTiming) -> Void {
            { rows.append(Row(network: network, step: $0.layers.joined(separator: "+") + ($0.convolution.map { " (\($0.rawValue))" } ?? ""),
                              output: $0.outputShape,
                              seconds: $0.seconds, flops: $0.flops)) }
        }
        func timed<T>(_ network: String, _ step: String, _ body: () throws -> T) rethrows -> T {
            let start = DispatchTime.now().uptimeNanoseconds
            let value = try body()
            rows.append(Row(network: network, step: step, output: [],
                            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, flops: 0))
            return value
        }
        let latent = bundle.autoencoder.encoder.forward(x, observe: record("encoder"))
        let reconstruction = bundle.autoencoder.decoder.forward(latent, observe: record("decoder"))
        _ = timed("decoder", "reconstruction error") { meanSquaredErrorPerImage(x, reconstruction) }
        _ = try timed("forest", "score_samples") { try bundle.forest.scoreSamples(latent) }
        _ = bundle.classifier.network.forward(x, observe: record("classifier"))
        self.rows = rows
        batch = x.shape[0]
    }

    public var totalSeconds: Double { rows.reduce(0) { $0 + $1.seconds } }
}
