import Imaging

/// Sizes of everything the synthesiser draws.
public struct SynthesisConfig: Sendable, Equatable {
    /// Bézier signatures (1200×600 by default, like the reference).
    public var signature: SyntheticSignatureStyle
    /// Side of the reference's square generated patterns (224).
    public var generatedSize: Int
    /// Size of the scan-like non-signatures: a 2:1 signature box, 600×300 by default — everything
    /// is resized to 224×224 before the networks, and at this size paper grain still costs little
    /// to draw and to store as PNG (grain does not compress).
    public var realisticWidth: Int
    public var realisticHeight: Int

    public init(signature: SyntheticSignatureStyle = .reference, generatedSize: Int = 224,
                realisticWidth: Int = 600, realisticHeight: Int = 300) {
        self.signature = signature
        self.generatedSize = generatedSize
        self.realisticWidth = realisticWidth
        self.realisticHeight = realisticHeight
    }
}

/// One entry point for every synthetic image: valid signatures and each kind of non-signature.
/// Holds the fonts (loaded once), so use one per thread.
public final class Synthesizer {
    public let config: SynthesisConfig
    /// nil when no font was found: the kinds that set text then throw `FontError`.
    public let fonts: FontLibrary?

    public init(config: SynthesisConfig = SynthesisConfig(), fonts: FontLibrary?) {
        self.config = config
        self.fonts = fonts
    }

    /// Loads the default fonts if present (a missing font only matters for the text kinds).
    public convenience init(config: SynthesisConfig = SynthesisConfig()) {
        self.init(config: config, fonts: try? FontLibrary())
    }

    /// A Bézier-stroke signature (the reference's kind).
    public func signature<G: RandomNumberGenerator>(using rng: inout G) -> GrayImage {
        SyntheticSignature.generate(.bezier, style: config.signature, using: &rng)
    }

    /// A signature of `kind`.
    public func signature<G: RandomNumberGenerator>(_ kind: SignatureKind, using rng: inout G) -> GrayImage {
        SyntheticSignature.generate(kind, style: config.signature, using: &rng)
    }

    /// A non-signature of `kind`.
    public func nonSignature<G: RandomNumberGenerator>(_ kind: NonSignatureKind, using rng: inout G) throws -> GrayImage {
        if NonSignatureKind.generated.contains(kind) {
            return GeneratedPatterns.generate(kind, size: config.generatedSize, using: &rng)
        }
        return try RealisticNonSignatures.generate(kind, width: config.realisticWidth, height: config.realisticHeight,
                                                   fonts: fonts, using: &rng)
    }
}
