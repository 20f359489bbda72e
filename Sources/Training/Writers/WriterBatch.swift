import Foundation
import NeuralNet

/// One training batch: inputs (each disturbed by `WriterJitter`), writer class of each genuine scan (nil for a
/// forgery), and 1 for genuine / 0 for forgery.
struct WriterBatch {
    var inputs: Tensor
    var writerLabels: [Int?]
    var genuine: Tensor

    init(_ indices: ArraySlice<Int>, from data: PreparedWriterScans, classes: [String: Int], jitter: WriterJitter,
         rng: inout SeededGenerator) {
        let (h, w) = (data.height, data.width)
        var x = [Float](repeating: 0, count: indices.count * h * w)
        x.withUnsafeMutableBufferPointer { out in
            for (k, i) in indices.enumerated() {
                jitter.apply(data.images[i], height: h, width: w, into: UnsafeMutableBufferPointer(rebasing: out[(k * h * w)..<((k + 1) * h * w)]),
                             rng: &rng)
            }
        }
        inputs = Tensor(shape: [indices.count, h, w, 1], storage: x)
        writerLabels = indices.map { data.scans[$0].genuine ? classes[data.scans[$0].writer] : nil }
        genuine = Tensor(shape: [indices.count, 1], storage: indices.map { data.scans[$0].genuine ? 1 : 0 })
    }
}
