import Foundation

/// Where a training run is: epoch and step within it, running loss, time spent in the epoch.
public struct TrainingProgress: Sendable, Equatable {
    public var phase: String
    public var epoch: Int       // 1-based
    public var epochs: Int
    public var step: Int        // steps done in this epoch
    public var steps: Int
    public var loss: Double?
    /// Seconds since the epoch began.
    public var elapsed: Double

    public init(phase: String, epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double?, elapsed: Double) {
        self.phase = phase
        self.epoch = epoch
        self.epochs = epochs
        self.step = step
        self.steps = steps
        self.loss = loss
        self.elapsed = elapsed
    }

    /// Seconds left in this epoch at the pace so far; nil before the first step.
    public var eta: Double? {
        guard step > 0, steps >= step else { return nil }
        return elapsed / Double(step) * Double(steps - step)
    }
}

/// Text for training progress: an updating bar on a terminal, plain lines otherwise (logs, CI).
public enum ProgressFormat {
    /// `m:ss` or `h:mm:ss`.
    public static func duration(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        let h = s / 3600, m = (s % 3600) / 60, r = s % 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(r))" : "\(m):\(two(r))"
    }

    /// `[=====>    ]` of `width` cells.
    public static func bar(_ fraction: Double, width: Int = 24) -> String {
        let f = min(1, max(0, fraction.isFinite ? fraction : 0))
        let full = Int((f * Double(width)).rounded(.down))
        if full >= width { return "[" + String(repeating: "=", count: width) + "]" }
        return "[" + String(repeating: "=", count: full) + ">" + String(repeating: " ", count: width - full - 1) + "]"
    }

    /// One progress line, e.g. `autoencoder epoch 3/50 [=====>      ] 120/480 loss 0.2345 eta 0:42`
    /// (`barWidth` 0 leaves the bar out; a single-epoch job shows no epoch).
    public static func line(_ p: TrainingProgress, barWidth: Int = 24) -> String {
        var s = p.epochs > 1 ? "\(p.phase) epoch \(p.epoch)/\(p.epochs) " : "\(p.phase) "
        if barWidth > 0 { s += bar(p.steps > 0 ? Double(p.step) / Double(p.steps) : 0, width: barWidth) + " " }
        s += "\(p.step)/\(p.steps)"
        if let loss = p.loss { s += String(format: " loss %.4f", loss) }
        if p.step >= p.steps {
            s += " " + duration(p.elapsed)
        } else if let eta = p.eta {
            s += " eta " + duration(eta)
        }
        return s
    }
}

/// Prints progress: on a terminal one line redrawn in place (carriage return, at most every
/// `redrawInterval` seconds), elsewhere a plain line every `plainEvery` share of the epoch and at
/// its end, so logs stay short. Safe to call from several threads.
public final class ProgressPrinter: @unchecked Sendable {
    private let isTerminal: Bool
    private let plainEvery: Double
    private let redrawInterval: Double
    private let write: (String) -> Void
    private let lock = NSLock()
    private var lastPlainFraction = -1.0
    private var lastEpoch = -1
    private var lastRedraw = -Double.infinity

    /// `isTerminal` defaults to whether standard error is a TTY; `write` to standard error.
    public init(isTerminal: Bool = isatty(2) != 0, plainEvery: Double = 0.25, redrawInterval: Double = 0,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.isTerminal = isTerminal
        self.plainEvery = plainEvery
        self.redrawInterval = redrawInterval
        self.write = write
    }

    public func update(_ p: TrainingProgress) {
        lock.lock()
        defer { lock.unlock() }
        let done = p.step >= p.steps
        if isTerminal {
            let now = Date().timeIntervalSinceReferenceDate
            guard done || now - lastRedraw >= redrawInterval else { return }
            lastRedraw = now
            write("\r\u{1B}[K" + ProgressFormat.line(p) + (done ? "\n" : ""))
            return
        }
        if p.epoch != lastEpoch {
            lastEpoch = p.epoch
            lastPlainFraction = 0
        }
        let fraction = p.steps > 0 ? Double(p.step) / Double(p.steps) : 1
        if done || fraction - lastPlainFraction >= plainEvery - 1e-9 {
            lastPlainFraction = fraction
            write(ProgressFormat.line(p, barWidth: 0) + "\n")
        }
    }

    /// A message on its own line (e.g. an epoch summary), not disturbing a live bar.
    public func message(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        write((isTerminal ? "\r\u{1B}[K" : "") + text + "\n")
    }
}
