/// Keras `EarlyStopping(monitor="val_loss", patience:, restore_best_weights=True)` as a value:
/// feed it each epoch's validation loss; it says whether this epoch is the best so far (keep its
/// weights) and when to stop. An epoch improves when its loss is below the best by more than
/// `minDelta` (Keras' default 0).
public struct EarlyStopping: Sendable, Equatable {
    public let patience: Int
    public let minDelta: Double
    public private(set) var best = Double.infinity
    public private(set) var bestEpoch: Int?
    /// Epochs since the last improvement.
    public private(set) var wait = 0

    public init(patience: Int, minDelta: Double = 0) {
        self.patience = patience
        self.minDelta = minDelta
    }

    /// Records epoch `epoch`'s loss; returns whether it is the new best and whether training stops now.
    public mutating func update(epoch: Int, loss: Double) -> (improved: Bool, stop: Bool) {
        if loss < best - minDelta {
            best = loss
            bestEpoch = epoch
            wait = 0
            return (true, false)
        }
        wait += 1
        return (false, wait >= patience)
    }
}

/// Keras `ReduceLROnPlateau(monitor="val_loss", factor:, patience:, min_lr:)` (mode "min",
/// `min_delta` 1e-4 absolute, no cooldown): after `patience` epochs without an improvement the
/// learning rate is multiplied by `factor`, never going below `minimum`.
public struct PlateauScheduler: Sendable, Equatable {
    public let factor: Double
    public let patience: Int
    public let minimum: Double
    public let minDelta: Double
    public private(set) var best = Double.infinity
    public private(set) var wait = 0

    public init(factor: Double, patience: Int, minimum: Double, minDelta: Double = 1e-4) {
        self.factor = factor
        self.patience = patience
        self.minimum = minimum
        self.minDelta = minDelta
    }

    /// Records an epoch's loss and returns the learning rate for the next epoch.
    public mutating func update(loss: Double, learningRate: Double) -> Double {
        if loss < best - minDelta {
            best = loss
            wait = 0
            return learningRate
        }
        wait += 1
        guard wait >= patience else { return learningRate }
        wait = 0
        // Keras compares in float32: a rate already at the floor stays there.
        guard Float(learningRate) > Float(minimum) else { return learningRate }
        return max(learningRate * factor, minimum)
    }
}
