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

final class VerifierParametersPreprocessingTests: XCTestCase {
    func testAbsentPreprocessingMeansSeedAndIsNotWritten() throws {
        let json = #"{"input_shape":[32,32,1],"latent_dim":16,"reconstruction_threshold":0.239,"anomaly_score_min":-0.5,"classifier_confidence_min":0.5}"#
        let p = try JSONDecoder().decode(VerifierParameters.self, from: Data(json.utf8))
        XCTAssertNil(p.preprocessing)
        XCTAssertEqual(p.preprocessingProfile, .seed)
        XCTAssertEqual(p.preprocessingProfile.name, "seed")
        XCTAssertEqual(p.preprocessingProfile.version, 1)
        let written = String(decoding: try JSONEncoder().encode(p), as: UTF8.self)
        XCTAssertFalse(written.contains("preprocessing"), written)
    }

    func testPreprocessingRoundTrips() throws {
        let p = VerifierParameters(inputShape: [224, 224, 1], latentDim: 128, reconstructionThreshold: 0.01,
                                   preprocessing: PreprocessingDescription(name: "clahe", version: 2, parameters: ["clip": 2.0]))
        let data = try JSONEncoder().encode(p)
        XCTAssert(String(decoding: data, as: UTF8.self).contains(#""preprocessing":{"#))
        let back = try JSONDecoder().decode(VerifierParameters.self, from: data)
        XCTAssertEqual(back, p)
        XCTAssertEqual(back.preprocessingProfile.name, "clahe")
    }
}
