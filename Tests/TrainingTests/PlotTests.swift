import Imaging
import Training
import XCTest

final class PlotTests: XCTestCase {
    private func fonts() throws -> FontLibrary {
        do { return try FontLibrary() } catch { throw XCTSkip("fonts-dejavu-core absent: \(error)") }
    }

    func testNiceTicks() {
        let t = Plot.ticks(0, 1)
        XCTAssertEqual(t.step, 0.2, accuracy: 1e-12)
        XCTAssertEqual(t.values.count, 6)
        XCTAssertEqual(t.values.last!, 1, accuracy: 1e-9)
        let u = Plot.ticks(-0.83, -0.27)
        XCTAssertEqual(u.step, 0.1, accuracy: 1e-12)
        XCTAssertEqual(u.values.first!, -0.8, accuracy: 1e-9)
        XCTAssertEqual(u.values.count, 6)
        XCTAssertEqual(Plot.ticks(1, 29).step, 5)
        XCTAssertEqual(Plot.ticks(1, 3).step, 0.5)
        XCTAssertEqual(Plot.ticks(1, 3, integer: true).values, [1, 2, 3])
        XCTAssertEqual(Plot.tickLabel(0.2, step: 0.2), "0.2")
        XCTAssertEqual(Plot.tickLabel(25, step: 5), "25")
        XCTAssertEqual(Plot.tickLabel(0.00012, step: 0.0001), "0.00012")
    }

    func testChartsHaveTheRequestedSizeAndInk() throws {
        let f = try fonts()
        let curve = try Plot.lineChart(title: "loss", xLabel: "epoch", yLabel: "loss",
                                       series: [PlotSeries(name: "train", ys: [0.9, 0.5, 0.3]), PlotSeries(name: "val", ys: [1, 0.6, 0.45])],
                                       width: 700, height: 400, fonts: f)
        XCTAssertEqual(curve.width, 700)
        XCTAssertEqual(curve.height, 400)
        let dark = curve.pixels.filter { $0 < 128 }.count
        XCTAssertGreaterThan(dark, 2000)
        XCTAssertLessThan(Double(dark) / Double(curve.pixelCount), 0.2)
        let hist = try Plot.histogram(title: "score", xLabel: "s", valid: [0.1, 0.2, 0.25], invalid: [0.7, 0.8], threshold: 0.5, fonts: f)
        XCTAssertGreaterThan(hist.pixels.filter { $0 < 128 }.count, 2000)
        var m = ConfusionMatrix()
        m.truePositives = 5; m.trueNegatives = 3; m.falsePositives = 1
        let cm = try Plot.confusionMatrix(title: "verdict", m, fonts: f)
        XCTAssertGreaterThan(cm.pixels.filter { $0 < 128 }.count, 1000)
        // Different data, different picture.
        m.falseNegatives = 40
        XCTAssertNotEqual(try Plot.confusionMatrix(title: "verdict", m, fonts: f), cm)
    }

    func testEmptyDataIsATypedError() throws {
        let f = try fonts()
        XCTAssertThrowsError(try Plot.lineChart(title: "t", xLabel: "x", yLabel: "y", series: [PlotSeries(name: "a", ys: [])], fonts: f)) {
            XCTAssert($0 is PlotError)
        }
        XCTAssertThrowsError(try Plot.histogram(title: "t", xLabel: "x", valid: [], invalid: [.nan], threshold: nil, fonts: f))
        XCTAssertThrowsError(try Plot.lineChart(title: "t", xLabel: "x", yLabel: "y", series: [PlotSeries(name: "a", ys: [0, -1])],
                                                logY: true, fonts: f))
    }
}
