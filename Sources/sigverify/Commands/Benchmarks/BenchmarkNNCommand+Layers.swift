import Foundation
import NeuralNet
import Verifier

/// The per-layer table of `sigverify benchmark nn`: each fused step of the encoder, decoder and
/// classifier over one batch, plus the reconstruction error and the forest — the same work as one
/// `Verifier.verify` pass — each step's best time over several passes.
struct LayerProfile {
    struct Row {
        var network: String
        var step: String
        var output: [Int]
        var seconds: Double
        var flops: Int
    }

    let batch: Int
    private(set) var rows: [Row]

    /// Best time of each step over `repeats` passes of `x` through the bundle's networks.
    static func measure(_ bundle: ModelBundle, input x: Tensor, repeats: Int) throws -> LayerProfile {
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
            { rows.append(Row(network: network, step: $0.layers.joined(separator: "+"), output: $0.outputShape,
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

    var totalSeconds: Double { rows.reduce(0) { $0 + $1.seconds } }

    /// The table: ms per batch, GFLOP/s and share of the pass for every step, in pass order.
    func lines() -> [String] {
        let total = totalSeconds
        var out = [String(format: "per-layer, batch %d (best of each step; pass total %.2f ms):", batch, total * 1000)]
        out.append("  " + "network".padding(toLength: 11, withPad: " ", startingAt: 0)
                   + "step".padding(toLength: 40, withPad: " ", startingAt: 0)
                   + "output".padding(toLength: 18, withPad: " ", startingAt: 0) + "      ms   GFLOP/s   share")
        for row in rows {
            let shape = row.output.map(String.init).joined(separator: "×")
            let rate = row.flops > 0 ? String(format: "%9.1f", Double(row.flops) / row.seconds / 1e9) : "        –"
            out.append("  " + row.network.padding(toLength: 11, withPad: " ", startingAt: 0)
                       + String(row.step.prefix(39)).padding(toLength: 40, withPad: " ", startingAt: 0)
                       + shape.padding(toLength: 18, withPad: " ", startingAt: 0)
                       + String(format: "%8.3f ", row.seconds * 1000) + rate
                       + String(format: " %6.1f %%", 100 * row.seconds / total))
        }
        return out
    }
}
