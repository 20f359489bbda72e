import XCTest
import Preprocessing

final class PreprocessingStageTests: XCTestCase {
    func testSeedStagesAreInPipelineOrder() {
        XCTAssertEqual(PreprocessingProfile.seed.stageNames.map(\.rawValue),
                       ["gray", "equalized", "blurred", "thresholded", "opened", "resized"])
    }
}
