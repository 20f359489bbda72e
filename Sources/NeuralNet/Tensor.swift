/// A dense Float32 tensor in row-major order. Images are NHWC (batch first, channels last),
/// the layout Keras uses, so weights and activations match the reference without transposes.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var storage: [Float]

    public init(shape: [Int], storage: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        precondition(storage.count == shape.reduce(1, *),
                     "Tensor: \(storage.count) values do not fill shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, storage: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// The same values viewed with another shape of equal element count (Keras `Reshape`/`Flatten`).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }
}

extension Array where Element == Float {
    /// `count` floats the caller writes before reading them: a workspace without a zeroing pass.
    @inlinable
    init(uninitializedCount count: Int) {
        self.init(unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
