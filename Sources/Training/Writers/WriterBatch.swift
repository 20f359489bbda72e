import Foundation
import NeuralNet

/// One training batch: inputs (randomly shifted), writer class of each genuine scan (nil for a
/// forgery), and 1 for genuine / 0 for forgery.
struct WriterBatch {
    var inputs: Tensor
    var writerLabels: [Int?]
    var genuine: Tensor

    init(_ indices: ArraySlice<Int>, from data: PreparedWriterScans, classes: [String: Int], maxShift: Int,
         rng: inout SeededGenerator) {
        let (h, w) = (data.height, data.width)
        var x = [Float](repeating: 0, count: indices.count * h * w)
        for (k, i) in indices.enumerated() {
            let dy = Self.shift(maxShift, &rng), dx = Self.shift(maxShift, &rng)
            let image = data.images[i]
            for y in max(0, dy)..<min(h, h + dy) {
                for xx in max(0, dx)..<min(w, w + dx) { x[k * h * w + y * w + xx] = Float(image[(y - dy) * w + xx - dx]) / 255 }
            }
        }
        inputs = Tensor(shape: [indices.count, h, w, 1], storage: x)
        writerLabels = indices.map { data.scans[$0].genuine ? classes[data.scans[$0].writer] : nil }
        genuine = Tensor(shape: [indices.count, 1], storage: indices.map { data.scans[$0].genuine ? 1 : 0 })
    }

    private static func shift(_ limit: Int, _ rng: inout SeededGenerator) -> Int {
        limit == 0 ? 0 : Int(rng.next() % UInt64(2 * limit + 1)) - limit
    }
}
