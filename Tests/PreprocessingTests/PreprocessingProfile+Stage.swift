import Imaging
import Preprocessing
import XCTest

extension PreprocessingProfile {
    /// The image of one named stage of this profile's run over `image` (tests look at intermediates).
    func image(at stage: PreprocessingStage, of image: GrayImage, width: Int = 224, height: Int = 224) throws -> GrayImage {
        try XCTUnwrap(stages(image, width: width, height: height).first { $0.stage == stage }?.image)
    }
}
