import Imaging
import Preprocessing

/// The writer network's own input: the `clean` profile's stages (background normalisation, ink
/// threshold, despeckle, crop to the ink, stroke thickening unless the bundle's parameters turn it
/// off (the committed model records `target_stroke_width` 0), aspect-kept centred fit) into a wide
/// `height`×`width` frame, so signatures are compared at their ink whatever the scan's resolution,
/// paper or pen; bitonal and gray scans take the same path. Ink is 1, paper 0.
public struct WriterPreprocessing: Sendable {
    public let profile: PreprocessingProfile
    public let height: Int
    public let width: Int

    public init(parameters: WriterParameters) throws(WriterModelError) {
        do {
            profile = try PreprocessingProfile.clean.with(parameters: parameters.preprocessing)
        } catch {
            throw .invalidParameters(file: "writer.json", reason: "preprocessing: \(error)")
        }
        height = parameters.inputHeight
        width = parameters.inputWidth
    }

    /// The network input of one decoded scan: height·width floats in [0, 1], row-major.
    public func input(_ image: GrayImage, maxPixels: Int = PreprocessingLimits.defaultMaxPixels) throws(PreprocessingError) -> [Float] {
        try profile.run(image, width: width, height: height, maxPixels: maxPixels).input
    }
}
