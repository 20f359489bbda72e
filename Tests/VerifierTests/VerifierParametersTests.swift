import Foundation
import XCTest
import Verifier

final class VerifierParametersTests: XCTestCase {
    func testDecodesReferenceParametersJSON() throws {
        let json = #"{"input_shape":[32,32,1],"latent_dim":16,"reconstruction_threshold":0.239,"anomaly_score_min":-0.5,"classifier_confidence_min":0.5}"#
        let p = try JSONDecoder().decode(VerifierParameters.self, from: Data(json.utf8))
        XCTAssertEqual(p.inputShape, [32, 32, 1])
        XCTAssertEqual(p.latentDim, 16)
        XCTAssertEqual(p.reconstructionThreshold, 0.239)
    }
}
