import XCTest
import Preprocessing

final class PreprocessingStageTests: XCTestCase {
    func testStagesAreInPipelineOrder() {
        XCTAssertEqual(PreprocessingStage.allCases.map(\.rawValue),
                       ["gray", "equalized", "blurred", "thresholded", "opened", "resized"])
    }
}
