import Imaging

extension PreprocessingProfile {
    /// The long side a scan is reduced to before the stages run, for a `width`×`height` network
    /// input; nil when the profile works at the scan's own resolution (`seed`, `clean` version 1).
    public func workingLongSide(width: Int, height: Int) -> Int? {
        switch kind {
        case .seed: return nil
        case .clean(let p): return p.workingLongSide(width: width, height: height)
        }
    }

    /// `options` with the JPEG scaling floor this profile allows for a `width`×`height` input: the
    /// working long side when there is one (the decoder then picks the smallest DCT scale that stays
    /// at or above it), none otherwise — so `seed` and `clean` version 1 always decode at full size.
    public func decodeOptions(_ options: DecodeOptions, width: Int, height: Int) -> DecodeOptions {
        var adjusted = options
        adjusted.jpegScalingFloor = workingLongSide(width: width, height: height) ?? 0
        return adjusted
    }
}
