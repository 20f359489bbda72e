import XCTest
import Verifier

final class ForwardCostTests: XCTestCase {
    func testFullSizeCountsLayerByLayer() {
        let cost = ForwardCost(parameters: VerifierParameters(inputShape: [224, 224, 1], latentDim: 128, reconstructionThreshold: 0))
        // Encoder: four same-padded convs at 224, 112, 56, 28 and the 50176→128 Dense.
        let encoder = 2 * (224 * 224 * 9 * 1 * 32 + 112 * 112 * 9 * 32 * 64 + 56 * 56 * 9 * 64 * 128
            + 28 * 28 * 9 * 128 * 256 + 50176 * 128)
        // Decoder: 128→50176 Dense, transposed convs from 14, 28, 56, 112.
        let decoder = 2 * (128 * 50176 + 14 * 14 * 9 * 256 * 128 + 28 * 28 * 9 * 128 * 64
            + 56 * 56 * 9 * 64 * 32 + 112 * 112 * 9 * 32 * 1)
        // Classifier: valid convs at 222, 109, 52; Dense 173056→64→1.
        let classifier = 2 * (222 * 222 * 9 * 32 + 109 * 109 * 9 * 32 * 64 + 52 * 52 * 9 * 64 * 64 + 173056 * 64 + 64)
        XCTAssertEqual(cost.encoder, encoder)
        XCTAssertEqual(cost.decoder, decoder)
        XCTAssertEqual(cost.classifier, classifier)
        XCTAssertEqual(cost.total, 2_483_779_968)
    }

    func testTinySize() {
        let cost = ForwardCost(parameters: VerifierParameters(inputShape: [32, 32, 1], latentDim: 16, reconstructionThreshold: 0))
        XCTAssertEqual(cost.classifier, 2 * (30 * 30 * 9 * 32 + 13 * 13 * 9 * 32 * 64 + 4 * 4 * 9 * 64 * 64 + 1024 * 64 + 64))
        XCTAssertEqual(cost.decoder, 2 * (16 * 1024 + 2 * 2 * 9 * 256 * 128 + 4 * 4 * 9 * 128 * 64 + 8 * 8 * 9 * 64 * 32 + 16 * 16 * 9 * 32))
    }
}
