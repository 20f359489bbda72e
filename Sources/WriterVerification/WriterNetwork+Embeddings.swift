import NeuralNet

extension WriterNetwork {
    /// Images per network pass.
    static let batchSize = 64

    /// Preprocessed inputs (`preprocessing.input`) → embeddings: the trunk's output minus `center`,
    /// L2-normalised.
    public func embeddings(ofInputs inputs: [[Float]]) throws(WriterModelError) -> [[Float]] {
        try rawEmbeddings(ofInputs: inputs).map { raw in Self.normalized(zip(raw, center).map { $0 - $1 }) }
    }

    /// The trunk's outputs, neither centred nor normalised.
    public func rawEmbeddings(ofInputs inputs: [[Float]]) throws(WriterModelError) -> [[Float]] {
        let (h, w, e) = (parameters.inputHeight, parameters.inputWidth, parameters.embeddingSize)
        var out: [[Float]] = []
        out.reserveCapacity(inputs.count)
        for start in stride(from: 0, to: inputs.count, by: Self.batchSize) {
            let batch = inputs[start..<min(inputs.count, start + Self.batchSize)]
            let x = Tensor(shape: [batch.count, h, w, 1], storage: Array(batch.joined()))
            let y = network.forward(x)
            for i in 0..<batch.count {
                let v = Array(y.storage[(i * e)..<((i + 1) * e)])
                guard v.allSatisfy(\.isFinite) else { throw .nonFiniteEmbedding(index: start + i) }
                out.append(v)
            }
        }
        return out
    }

    /// `v / |v|`; the zero vector stays zero (no ink at all gives no direction).
    public static func normalized(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { return v }
        return v.map { Float(Double($0) / norm) }
    }
}
