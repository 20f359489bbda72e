/// The stages of the `seed` profile, in pipeline order, named as the golden fixtures and
/// `sigverify preprocess --stages` name their files.
public enum PreprocessingStage: String, CaseIterable, Sendable {
    case gray, equalized, blurred, thresholded, opened, resized
}
