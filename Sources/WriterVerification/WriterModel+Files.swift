import Foundation
import Imaging
import NeuralNet
import Preprocessing

extension WriterModel {
    /// Embeddings of scan files, one result per path in order: each file decoded (with `options`:
    /// the caller's pixel and time budget) and preprocessed over the cores, then one batched network
    /// pass over the good ones. A file that cannot be read, decoded or preprocessed keeps its own
    /// error and does not stop the others.
    public func embeddings(ofFiles paths: [String], options: DecodeOptions = DecodeOptions()) -> [Result<[Float], Error>] {
        let inputs = Parallel.map(paths.count) { i in
            Result { () throws -> [Float] in
                let gray = try ImageDecoder(options: options).decode(contentsOf: paths[i])
                return try preprocessing.input(gray, maxPixels: options.maxPixels)
            }
        }
        let ready = inputs.compactMap { try? $0.get() }
        let embedded: Result<[[Float]], Error> = Result { try network.embeddings(ofInputs: ready) }
        var next = 0
        return inputs.map { input in
            input.flatMap { _ in
                defer { next += 1 }
                return embedded.map { $0[next] }
            }
        }
    }
}
