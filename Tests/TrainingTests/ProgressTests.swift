import Training
import XCTest

final class ProgressTests: XCTestCase {
    func testFormatting() {
        XCTAssertEqual(ProgressFormat.duration(0), "0:00")
        XCTAssertEqual(ProgressFormat.duration(65.4), "1:05")
        XCTAssertEqual(ProgressFormat.duration(3723), "1:02:03")
        XCTAssertEqual(ProgressFormat.bar(0, width: 4), "[>   ]")
        XCTAssertEqual(ProgressFormat.bar(0.5, width: 4), "[==> ]")
        XCTAssertEqual(ProgressFormat.bar(1, width: 4), "[====]")
        let p = TrainingProgress(phase: "autoencoder", epoch: 3, epochs: 50, step: 120, steps: 480, loss: 0.23456, elapsed: 30)
        XCTAssertEqual(p.eta, 90)
        XCTAssertEqual(ProgressFormat.line(p, barWidth: 4), "autoencoder epoch 3/50 [=>  ] 120/480 loss 0.2346 eta 1:30")
        var end = p
        end.step = 480
        end.elapsed = 125
        XCTAssertEqual(ProgressFormat.line(end, barWidth: 4), "autoencoder epoch 3/50 [====] 480/480 loss 0.2346 2:05")
        let single = TrainingProgress(phase: "synth", epoch: 1, epochs: 1, step: 5, steps: 10, loss: nil, elapsed: 2)
        XCTAssertEqual(ProgressFormat.line(single, barWidth: 0), "synth 5/10 eta 0:02")
    }

    func testPlainOutputIsSparseAndTerminalOutputRedraws() {
        var plain: [String] = []
        let printer = ProgressPrinter(isTerminal: false, plainEvery: 0.25) { plain.append($0) }
        for step in 1...100 {
            printer.update(TrainingProgress(phase: "classifier", epoch: 1, epochs: 3, step: step, steps: 100, loss: 0.5, elapsed: Double(step)))
        }
        XCTAssertEqual(plain.count, 4)  // 25 %, 50 %, 75 %, 100 %
        XCTAssert(plain.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") && !$0.contains("[") })
        XCTAssert(plain[3].hasPrefix("classifier epoch 1/3 100/100 loss 0.5000"))
        var tty: [String] = []
        let live = ProgressPrinter(isTerminal: true) { tty.append($0) }
        for step in 1...3 {
            live.update(TrainingProgress(phase: "classifier", epoch: 1, epochs: 3, step: step, steps: 3, loss: nil, elapsed: 1))
        }
        XCTAssertEqual(tty.count, 3)
        XCTAssert(tty.allSatisfy { $0.hasPrefix("\r") })
        XCTAssert(tty[2].hasSuffix("\n"))
        XCTAssertFalse(tty[1].hasSuffix("\n"))
    }
}
