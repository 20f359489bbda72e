import Foundation

/// Element-wise activations, applied in the epilogue of Conv/Dense (as Keras' `activation=`)
/// or as standalone layers.
public enum Activation: Sendable {
    case linear, relu, sigmoid

    /// Applies the activation in place.
    public func apply(_ p: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .linear: break
        case .relu:
            for i in p.indices { p[i] = max(p[i], 0) }
        case .sigmoid:
            for i in p.indices { p[i] = Self.sigmoid(p[i]) }
        }
    }

    /// σ(x) = 1 / (1 + e^−x). An infinite x is an overflow upstream, never a real pre-activation, so it
    /// gives NaN rather than an exact 0 or 1: a broken model's score is then caught as non-finite
    /// whatever the BLAS kernel did with its infinities (OpenBLAS 0.3.21's AVX-512 `sgemv_t` sums
    /// +∞ and −∞ of a one-column matrix to −∞ where the Haswell kernel and IEEE give NaN).
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { x.isFinite ? 1 / (1 + expf(-x)) : .nan }

    /// Multiplies `dy` in place by f'(x) expressed through the output y = f(x)
    /// (ReLU: y > 0, as TensorFlow's ReluGrad; sigmoid: y·(1−y)). Large buffers use all cores
    /// unless `parallel` is false (callers already running on a worker).
    public func backward(_ dy: UnsafeMutableBufferPointer<Float>, output y: UnsafeBufferPointer<Float>,
                         parallel: Bool = true) {
        guard self != .linear, let d0 = dy.baseAddress, let y0 = y.baseAddress else { return }
        let ptrs = UnsafeSendableBox((d: d0, y: y0))
        let relu = self == .relu
        Parallel.ranges(dy.count, minimumPerWorker: parallel ? 1 << 15 : Int.max) { r in
            let d = ptrs.value.d, y = ptrs.value.y
            if relu {
                for i in r { d[i] = y[i] > 0 ? d[i] : 0 }
            } else {
                for i in r { d[i] *= y[i] * (1 - y[i]) }
            }
        }
    }
}

/// A standalone activation layer (Keras `Activation`/`ReLU`).
public struct ActivationLayer: Layer {
    public let name: String
    public let activation: Activation
    private var cachedOutput: Tensor?

    public init(_ activation: Activation, name: String = "activation") {
        self.activation = activation
        self.name = name
    }

    public func forward(_ x: Tensor) -> Tensor {
        var y = x
        y.storage.withUnsafeMutableBufferPointer { activation.apply($0) }
        return y
    }

    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        let y = forward(x)
        cachedOutput = y
        return y
    }

    public mutating func backward(_ dy: Tensor) -> Tensor {
        guard let y = cachedOutput else { preconditionFailure("\(name): backward before trainingForward") }
        var dx = dy
        dx.storage.withUnsafeMutableBufferPointer { d in
            y.storage.withUnsafeBufferPointer { activation.backward(d, output: $0) }
        }
        return dx
    }
}
