import KernelPointers

/// Fully connected layer (Keras `Dense`), kernel [in, out], fused bias and activation.
/// Inputs of any rank are treated as [N, in] (row-major flatten), so no copy is needed after a conv.
public struct Dense: KernelBiasLayer {
    public let name: String
    public internal(set) var kernel: Tensor
    public internal(set) var bias: Tensor
    public let activation: Activation
    /// L2 factor λ: adds λ·Σ kernel² to the loss.
    public var kernelL2: Float
    public private(set) var kernelGradient: Tensor
    public private(set) var biasGradient: Tensor
    private var cachedInput: Tensor?
    private var cachedOutput: Tensor?

    public init(name: String, kernel: Tensor, bias: Tensor, activation: Activation = .linear, kernelL2: Float = 0) {
        precondition(kernel.rank == 2 && bias.shape == [kernel.shape[1]], "Dense \(name): bad kernel/bias shapes")
        self.name = name
        self.kernel = kernel
        self.bias = bias
        self.activation = activation
        self.kernelL2 = kernelL2
        self.kernelGradient = Tensor(shape: kernel.shape)
        self.biasGradient = Tensor(shape: bias.shape)
    }

    /// Glorot-uniform kernel, zero bias (Keras defaults).
    public init(name: String, inputs: Int, outputs: Int, activation: Activation = .linear,
                kernelL2: Float = 0, rng: inout SeededGenerator) {
        self.init(name: name, kernel: Initializer.glorotUniform(shape: [inputs, outputs], using: &rng),
                  bias: Tensor(shape: [outputs]), activation: activation, kernelL2: kernelL2)
    }

    public func forward(_ x: Tensor) -> Tensor {
        let (fin, fout) = (kernel.shape[0], kernel.shape[1])
        let n = x.shape.first ?? 0
        precondition(x.rank >= 2 && x.count == n * fin, "Dense \(name): input \(x.shape) is not [N, \(fin)]")
        return Tensor(shape: [n, fout]) { out in
            withPointers(x.storage, kernel.storage, bias.storage) { x, k, b in
                let y = out.baseAddress!
                if n == 1 {
                    BLAS.sgemvSplit(transposeA: true, m: fin, n: fout, a: k, lda: fout, x: x, y: y)
                } else {
                    BLAS.sgemmSplit(m: n, n: fout, k: fin, a: x, lda: fin, b: k, ldb: fout, c: y, ldc: fout)
                }
                ConvKernels.transform(y, pixels: n, cout: fout, bias: b, activation: activation, scale: nil, shift: nil)
            }
        }
    }

    public mutating func trainingForward(_ x: Tensor) -> Tensor {
        let y = forward(x)
        cachedInput = x
        cachedOutput = y
        return y
    }

    public mutating func backward(_ dy: Tensor) -> Tensor {
        guard let x = cachedInput, let y = cachedOutput else { preconditionFailure("\(name): backward before trainingForward") }
        precondition(dy.shape == y.shape, "Dense \(name): gradient shape \(dy.shape) ≠ output \(y.shape)")
        let (fin, fout) = (kernel.shape[0], kernel.shape[1])
        let n = y.shape[0]
        let (dz, dBias) = ConvKernels.activationGradient(dy, output: y, activation: activation, channels: fout)
        biasGradient = Tensor(shape: bias.shape, storage: dBias)
        var kgrad = Tensor(shape: kernel.shape) { gp in
            withPointers(x.storage, dz.storage) { x, dz in
                BLAS.sgemmSplit(transposeA: true, m: fin, n: fout, k: n, a: x, lda: fin, b: dz, ldb: fout,
                                c: gp.baseAddress!, ldc: fout)
            }
        }
        if kernelL2 != 0 {
            let k2 = 2 * kernelL2
            kgrad.storage.withUnsafeMutableBufferPointer { gp in
                kernel.storage.withUnsafeBufferPointer { kp in
                    for i in gp.indices { gp[i] += k2 * kp[i] }
                }
            }
        }
        kernelGradient = kgrad
        return Tensor(shape: x.shape) { dxp in
            withPointers(dz.storage, kernel.storage) { dz, k in
                BLAS.sgemmSplit(transposeB: true, m: n, n: fin, k: fout, a: dz, lda: fout, b: k, ldb: fout,
                                c: dxp.baseAddress!, ldc: fin)
            }
        }
    }
}
