/// Keras' `EarlyStopping(monitor="val_loss", patience, restore_best_weights=True)` as a value:
/// feed it each epoch's monitored value and a snapshot of the weights; it says when to stop and
/// keeps the best weights (restored at the end of training, as Keras 3 does, whether or not
/// training stopped early). Improvement means `value < best − minDelta`.
public struct EarlyStopping<Weights> {
    public let patience: Int
    public let minDelta: Double
    public private(set) var best: Double = .infinity
    public private(set) var bestEpoch: Int?
    public private(set) var bestWeights: Weights?
    public private(set) var wait = 0
    /// The epoch at which training was told to stop, if it was.
    public private(set) var stoppedEpoch: Int?

    public init(patience: Int = 10, minDelta: Double = 0) {
        self.patience = patience
        self.minDelta = minDelta
    }

    /// Records epoch `epoch` (0-based); returns true when training should stop now. `weights` is
    /// only evaluated when the epoch is the best so far.
    public mutating func update(epoch: Int, value: Double, weights: () -> Weights) -> Bool {
        wait += 1
        if value - minDelta < best {
            best = value
            bestEpoch = epoch
            bestWeights = weights()
            wait = 0
            return false
        }
        if bestWeights == nil {  // a first value that is no number: keep the starting weights
            bestWeights = weights()
            bestEpoch = epoch
        }
        if wait >= patience && epoch > 0 {
            stoppedEpoch = epoch
            return true
        }
        return false
    }
}

/// Keras' `ReduceLROnPlateau(monitor="val_loss", factor, patience, min_lr)` with its defaults
/// (min_delta 1e-4, cooldown 0): after `patience` epochs without the monitored value falling
/// below `best − minDelta`, the learning rate is multiplied by `factor`, never below `minLR`.
public struct ReduceLROnPlateau {
    public let factor: Double
    public let patience: Int
    public let minLR: Double
    public let minDelta: Double
    public let cooldown: Int
    public private(set) var best: Double = .infinity
    public private(set) var wait = 0
    private var cooldownCounter = 0

    public init(factor: Double = 0.2, patience: Int = 5, minLR: Double = 1e-6, minDelta: Double = 1e-4, cooldown: Int = 0) {
        self.factor = factor
        self.patience = patience
        self.minLR = minLR
        self.minDelta = minDelta
        self.cooldown = cooldown
    }

    /// The learning rate to use from the next epoch on, given this epoch's monitored value.
    public mutating func update(value: Double, learningRate lr: Double) -> Double {
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            wait = 0
        }
        if value < best - minDelta {
            best = value
            wait = 0
        } else if cooldownCounter <= 0 {
            wait += 1
            if wait >= patience, Float(lr) > Float(minLR) {
                cooldownCounter = cooldown
                wait = 0
                return max(lr * factor, minLR)
            }
        }
        return lr
    }
}
