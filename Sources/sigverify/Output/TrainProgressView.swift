import Foundation
import Training

/// Renders training events with the training module's `ProgressPrinter`: a bar redrawn in place on
/// a terminal (standard output is a TTY), a few plain lines per epoch otherwise.
final class TrainProgressView: @unchecked Sendable {
    private let printer: ProgressPrinter
    private let lock = NSLock()  // `preparation` is called from the worker threads
    private var epochStart = Date()
    private let started = Date()

    init(terminal: Bool) {
        printer = ProgressPrinter(isTerminal: terminal, write: { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        })
    }

    func line(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        printer.message(text)
    }

    func preparation(done: Int, total: Int) {
        lock.lock()
        defer { lock.unlock() }
        printer.update(TrainingProgress(phase: "preparing data", epoch: 1, epochs: 1, step: done, steps: total, loss: nil,
                                        elapsed: Date().timeIntervalSince(started)))
    }

    func event(_ event: TrainingEvent) {
        switch event {
        case .note(let text):
            line(text)
        case .step(let phase, let epoch, let epochs, let step, let steps, let loss):
            if step == 1 { epochStart = Date() }
            lock.lock()
            defer { lock.unlock() }
            printer.update(TrainingProgress(phase: phase.rawValue, epoch: epoch, epochs: epochs, step: step, steps: steps,
                                            loss: loss, elapsed: Date().timeIntervalSince(epochStart)))
        case .epoch(let phase, let epochs, let r, let improved):
            line(String(format: "%@ epoch %d/%d: loss %.4f val_loss %.4f%@ lr %.1e %.1f s%@", phase.rawValue, r.epoch,
                        epochs, r.loss, r.valLoss, r.valAccuracy.map { String(format: " val_acc %.3f", $0) } ?? "",
                        r.learningRate, r.seconds, improved ? " (best so far)" : ""))
        }
    }
}
