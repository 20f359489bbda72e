import Imaging

/// Why an augmentation could not run with the given parameters.
public enum AugmentationError: Error, CustomStringConvertible, Equatable {
    case invalidParameter(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let value, let expected):
            return "augmentation parameter \(name) = \(value) is invalid: expected \(expected)"
        }
    }
}

/// The training-data augmentations of SPEC §4, each a pure function of (image, parameters, random
/// generator): the same seed gives the same picture. Every random augmentation also has a
/// deterministic form taking the drawn parameters, so its effect can be tested exactly.
///
/// - grid distortion: albumentations `GridDistortion` (piecewise-linear separable warp, bilinear,
///   reflect-101 border) with the reference's four (steps, limit) settings;
/// - multiplicative noise: albumentations `MultiplicativeNoise` ×[0.9, 1.1];
/// - motion blur / median blur: albumentations `MotionBlur` / `MedianBlur`, odd kernels 3…7;
/// - combined: noise → motion blur → median blur;
/// - random affine: Keras `ImageDataGenerator` rotation ±15°, shift ±10 %, zoom ±10 %, nearest fill.
public enum Augment {
    /// The reference's augmented copies of one valid image: the four grid distortions, then the
    /// combined chain — five images, in this order.
    public static func referenceCopies<G: RandomNumberGenerator>(of image: GrayImage, using rng: inout G) -> [GrayImage] {
        var out: [GrayImage] = []
        for settings in GridDistortionSettings.reference {
            out.append(gridDistortion(image, parameters: GridDistortionParameters.random(settings, using: &rng)))
        }
        out.append(combined(image, using: &rng))
        return out
    }

    /// Multiplicative noise → motion blur (kernel ≤ 7) → median blur (kernel ≤ 7).
    public static func combined<G: RandomNumberGenerator>(_ image: GrayImage, using rng: inout G) -> GrayImage {
        let noisy = multiplicativeNoise(image, multiplier: 0.9...1.1, elementwise: false, using: &rng)
        let kernel = MotionBlurKernel.random(maxSize: 7, using: &rng)
        let blurred = motionBlur(noisy, kernel: kernel)
        return medianCore(blurred, MedianBlurSize.random(maxSize: 7, using: &rng))
    }
}

/// Border extrapolation as OpenCV names it.
enum Border {
    /// `BORDER_REFLECT_101`: …c b | a b c d | c b…
    @inline(__always)
    static func reflect101(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        var j = i
        while j < 0 || j >= n { j = j < 0 ? -j : 2 * n - 2 - j }
        return j
    }

    /// `BORDER_REPLICATE`: …a a | a b c d | d d…
    @inline(__always)
    static func replicate(_ i: Int, _ n: Int) -> Int { i < 0 ? 0 : (i >= n ? n - 1 : i) }
}

/// Rounds and saturates to a byte.
@inline(__always)
func saturatingByte(_ v: Float) -> UInt8 {
    v <= 0 ? 0 : (v >= 255 ? 255 : UInt8(v.rounded()))
}
