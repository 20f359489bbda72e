import Training
import XCTest

final class CallbackTests: XCTestCase {
    func testEarlyStoppingStopsAfterPatienceAndKeepsTheBestWeights() {
        var es = EarlyStopping<String>(patience: 3)
        let losses = [1.0, 0.8, 0.9, 0.7, 0.75, 0.71, 0.72, 0.6]
        var stoppedAt: Int?
        for (epoch, v) in losses.enumerated() {
            if es.update(epoch: epoch, value: v, weights: { "w\(epoch)" }) { stoppedAt = epoch; break }
        }
        // Best 0.7 at epoch 3; epochs 4, 5, 6 do not improve → stop at epoch 6 (Keras: wait ≥ patience).
        XCTAssertEqual(stoppedAt, 6)
        XCTAssertEqual(es.best, 0.7)
        XCTAssertEqual(es.bestEpoch, 3)
        XCTAssertEqual(es.bestWeights, "w3")
        XCTAssertEqual(es.stoppedEpoch, 6)
    }

    func testEarlyStoppingNeverStopsWhileImprovingAndEqualIsNoImprovement() {
        var es = EarlyStopping<Int>(patience: 1)
        XCTAssertFalse(es.update(epoch: 0, value: 0.5, weights: { 0 }))
        XCTAssertFalse(es.update(epoch: 1, value: 0.4, weights: { 1 }))
        XCTAssertTrue(es.update(epoch: 2, value: 0.4, weights: { 2 }))  // equal: not better
        XCTAssertEqual(es.bestWeights, 1)
        var snapshots = 0
        var lazy = EarlyStopping<Int>(patience: 10)
        for (e, v) in [3.0, 2, 4, 5, 1].enumerated() { _ = lazy.update(epoch: e, value: v, weights: { snapshots += 1; return e }) }
        XCTAssertEqual(snapshots, 3)  // only the improving epochs copy weights
        XCTAssertEqual(lazy.bestWeights, 4)
    }

    func testReduceLROnPlateauFollowsKeras() {
        var r = ReduceLROnPlateau(factor: 0.2, patience: 2, minLR: 1e-6)
        var lr = 1e-4
        var history: [Double] = []
        // 1.0 best; 0.99995 is within min_delta 1e-4 → no improvement; two such epochs → reduce.
        for v in [1.0, 0.99995, 0.9999, 0.5, 0.6, 0.7, 0.8, 0.9] {
            lr = r.update(value: v, learningRate: lr)
            history.append(lr)
        }
        XCTAssertEqual(history[0], 1e-4)
        XCTAssertEqual(history[1], 1e-4)
        XCTAssertEqual(history[2], 2e-5, accuracy: 1e-12)   // second epoch without improvement
        XCTAssertEqual(history[3], 2e-5, accuracy: 1e-12)   // 0.5 improves
        XCTAssertEqual(history[5], 4e-6, accuracy: 1e-12)   // 0.6, 0.7: two more
        XCTAssertEqual(history[7], 1e-6, accuracy: 1e-12)   // floored at min_lr
        var floor = ReduceLROnPlateau(factor: 0.2, patience: 1, minLR: 1e-6)
        XCTAssertEqual(floor.update(value: 1, learningRate: 1e-6), 1e-6)
        XCTAssertEqual(floor.update(value: 2, learningRate: 1e-6), 1e-6)  // already at the floor
    }

    func testSeedRecipeThreshold() throws {
        // mean 0.02, population std 0.01 → 0.04.
        XCTAssertEqual(try ThresholdCalibration.meanPlusTwoStd([0.01, 0.03, 0.01, 0.03]), 0.04, accuracy: 1e-12)
        XCTAssertThrowsError(try ThresholdCalibration.meanPlusTwoStd([]))
    }
}
