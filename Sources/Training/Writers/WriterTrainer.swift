import Foundation
import NeuralNet
import WriterVerification

/// Trains the writer network SigNet-F-style: the trunk's embedding feeds a softmax over the
/// training writers (genuine signatures only) and a sigmoid genuine-vs-forgery head; the loss is
/// (1 − λ)·writer cross-entropy + λ·forgery cross-entropy. After each epoch the protocol runs on the
/// validation writers and the epoch with the lowest skilled + random EER is kept; the threshold is
/// then chosen on those validation trials. Test writers are never seen.
public struct WriterTrainer {
    public private(set) var trunk: WriterNetwork
    private var writerHead: Sequential
    private var forgeryHead: Sequential
    var optimizer: Adam
    private let classes: [String: Int]
    private let options: WriterTrainingOptions

    public init(parameters: WriterParameters, trainingWriters: [String], options: WriterTrainingOptions) throws {
        var rng = SeededGenerator(seed: options.seed &+ 1)
        trunk = try WriterNetwork(parameters: parameters, seed: options.seed)
        let e = parameters.embeddingSize
        writerHead = Sequential([Dense(name: "wr_writer_head", inputs: e, outputs: trainingWriters.count, rng: &rng)])
        forgeryHead = Sequential([Dense(name: "wr_forgery_head", inputs: e, outputs: 1, activation: .sigmoid, rng: &rng)])
        optimizer = Adam(learningRate: options.learningRate)
        classes = Dictionary(uniqueKeysWithValues: trainingWriters.sorted().enumerated().map { ($1, $0) })
        self.options = options
    }

    /// One optimisation step on `batch`: the two losses, weighted.
    mutating func step(_ batch: WriterBatch) -> (writer: Float, forgery: Float) {
        let lambda = options.forgeryWeight
        let e = trunk.network.trainingForward(batch.inputs)
        let (lw, gw) = Losses.softmaxCrossEntropy(logits: writerHead.trainingForward(e), labels: batch.writerLabels)
        let (lf, gf) = Losses.binaryCrossEntropy(prediction: forgeryHead.trainingForward(e), target: batch.genuine)
        let dw = writerHead.backward(Self.scaled(gw, 1 - lambda))
        let df = forgeryHead.backward(Self.scaled(gf, lambda))
        trunk.network.backwardParametersOnly(Tensor(shape: dw.shape, storage: zip(dw.storage, df.storage).map(+)))
        optimizer.beginStep()
        trunk.network.applyGradients(&optimizer)
        writerHead.applyGradients(&optimizer)
        forgeryHead.applyGradients(&optimizer)
        return (lw, lf)
    }

    private static func scaled(_ t: Tensor, _ s: Float) -> Tensor { Tensor(shape: t.shape, storage: t.storage.map { $0 * s }) }

    /// This epoch's sample order: every genuine scan of a training writer, and of each writer's
    /// forgeries a seeded draw of at most `forgeriesPerGenuine` × its genuine count.
    func epochOrder(_ data: PreparedWriterScans, epoch: Int) -> [Int] {
        var rng = SeededGenerator(seed: options.seed, stream: 11, index: UInt64(epoch))
        var order: [Int] = []
        for (_, indices) in Dictionary(grouping: data.scans.indices, by: { data.scans[$0].writer }).sorted(by: { $0.key < $1.key }) {
            let genuine = indices.filter { data.scans[$0].genuine }
            var forged = indices.filter { !data.scans[$0].genuine }
            rng.shuffle(&forged)
            order += genuine + forged.prefix(Int((Double(genuine.count) * options.forgeriesPerGenuine).rounded()))
        }
        rng.shuffle(&order)
        return order
    }

    /// Sets the trunk's centre to the mean raw embedding of up to 1024 training scans (a fixed,
    /// seeded sample: the same scans every epoch).
    mutating func recenter(_ data: PreparedWriterScans) throws {
        var rng = SeededGenerator(seed: options.seed, stream: 13, index: 0)
        var indices = Array(data.scans.indices)
        rng.shuffle(&indices)
        let raw = try trunk.rawEmbeddings(ofInputs: indices.prefix(1024).map(data.input))
        trunk.center = (0..<trunk.parameters.embeddingSize).map { j in
            Float(raw.reduce(0.0) { $0 + Double($1[j]) } / Double(max(raw.count, 1)))
        }
    }

    /// One pass over the training scans; mean losses.
    mutating func epoch(_ data: PreparedWriterScans, number: Int) -> (writer: Double, forgery: Double) {
        var rng = SeededGenerator(seed: options.seed, stream: 12, index: UInt64(number))
        let order = epochOrder(data, epoch: number)
        var (sw, sf, n) = (0.0, 0.0, 0)
        for start in stride(from: 0, to: order.count, by: options.batchSize) {
            let slice = order[start..<min(order.count, start + options.batchSize)]
            guard slice.count > 1 else { continue }  // batch norm needs two rows
            let (lw, lf) = step(WriterBatch(slice, from: data, classes: classes, jitter: options.jitter, rng: &rng))
            (sw, sf, n) = (sw + Double(lw), sf + Double(lf), n + 1)
        }
        return (sw / Double(max(n, 1)), sf / Double(max(n, 1)))
    }
}
