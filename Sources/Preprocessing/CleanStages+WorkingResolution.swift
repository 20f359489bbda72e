import Imaging

extension CleanStages {
    /// `image` area-reduced, aspect kept, so its long side is at most `longSide` (unchanged when it
    /// already is): the working resolution of `clean` version 2. Area averaging keeps thin strokes as
    /// fainter lines rather than dropping them, so the threshold still sees them.
    public static func reduce(_ image: GrayImage, toLongSide longSide: Int) throws(PreprocessingError) -> GrayImage {
        let long = max(image.width, image.height)
        guard longSide > 0, long > longSide else { return image }
        let scale = Double(longSide) / Double(long)
        let width = min(image.width, max(1, Int((Double(image.width) * scale).rounded())))
        let height = min(image.height, max(1, Int((Double(image.height) * scale).rounded())))
        return try resizeArea(image, width: width, height: height)
    }
}
