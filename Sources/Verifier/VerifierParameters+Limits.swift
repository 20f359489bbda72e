/// The sizes `parameters.json` may ask for, and the tensors whose shapes follow from them — so a
/// bundle is judged before any network is built, and an edited size cannot make the loader
/// allocate more than the weight files hold.
extension VerifierParameters {
    /// Largest input height or width (the networks' activations grow with its square).
    public static let maxInputSide = 1024
    /// Largest latent size.
    public static let maxLatentDim = 4096

    /// Values the encoder flattens into its latent Dense: (H/16)·(W/16)·256 after four poolings.
    var bottleneckWidth: Int { (inputShape[0] / 16) * (inputShape[1] / 16) * 256 }

    /// Height and width of the classifier's last feature map: valid 3×3 conv (−2), 2×2 pool,
    /// valid conv, pool, valid conv. Below 1 when the input is too small.
    var classifierFeatureSize: (height: Int, width: Int) {
        func side(_ n: Int) -> Int { ((n - 2) / 2 - 2) / 2 - 2 }
        return (side(inputShape[0]), side(inputShape[1]))
    }

    /// The weight tensors whose size grows with the input and latent sizes, with the shape each
    /// must have (every other tensor is at most 3×3×256×256). Sizes a network refuses by itself
    /// (not a multiple of 16, too small for the classifier) leave its tensors out, for its message.
    var sizeDependentTensors: [(name: String, shape: [Int])] {
        var tensors: [(name: String, shape: [Int])] = []
        if inputShape[0] % 16 == 0, inputShape[1] % 16 == 0 {
            tensors += [("latent/kernel", [bottleneckWidth, latentDim]),
                        ("dec_dense/kernel", [latentDim, bottleneckWidth]),
                        ("dec_dense/bias", [bottleneckWidth])]
        }
        let feature = classifierFeatureSize
        if feature.height >= 1, feature.width >= 1 {
            tensors.append(("cls_dense1/kernel", [feature.height * feature.width * 64, 64]))
        }
        return tensors
    }

    /// Why the sizes are out of bounds, or nil when they are [height, width, 1] with sides in
    /// 1…`maxInputSide` and a latent size in 1…`maxLatentDim`. (Multiples of 16 and the
    /// classifier's minimum input are the networks' own checks.)
    var sizeProblem: String? {
        guard inputShape.count == 3, inputShape[2] == 1 else { return "input_shape \(inputShape) is not [height, width, 1]" }
        guard inputShape.prefix(2).allSatisfy({ (1...Self.maxInputSide).contains($0) }) else {
            return "input_shape \(inputShape): height and width must be 1 to at most \(Self.maxInputSide)"
        }
        guard (1...Self.maxLatentDim).contains(latentDim) else {
            return "latent_dim \(latentDim) must be 1 to at most \(Self.maxLatentDim)"
        }
        return nil
    }
}
