/// A named intermediate image of a preprocessing profile, named as the golden fixtures and
/// `sigverify preprocess --stages` name their files (`<stem>.<rawValue>.png`).
/// The `seed` profile produces `gray … resized` in that order; other profiles list theirs in
/// `PreprocessingProfile.stageNames`.
public enum PreprocessingStage: String, CaseIterable, Sendable {
    // The seed profile (SPEC.md §2), in pipeline order.
    case gray, equalized, blurred, thresholded, opened, resized
    /// The 8-bit local mean of the seed's adaptive threshold (a debug aid, not part of `--stages`).
    case adaptiveMean = "adaptive_mean"
    // The `clean` profile's own stages.
    /// Version 2: the scan reduced (area average) to the working resolution the stages run at.
    case working
    /// The page with its estimated background divided out: paper ≈ 255 everywhere.
    case normalized
    /// Ink (255) on black after the global threshold.
    case binarized
    /// `binarized` without connected components too small to be ink.
    case despeckled
    /// The ink's bounding box plus a margin (fitted and centred, aspect kept, by the resize).
    case cropped
    /// `cropped` with strokes dilated to the target width at the output resolution.
    case thickened
}
