/// How long the loops may still run once a stop was seen: the grace counts from the first time
/// `expired` is asked after the stop. Thread-safe.
final class ShutdownGrace: Sendable {
    let seconds: Double
    private let stopSeenAt = Locked<Double?>(nil)

    init(seconds: Double) {
        self.seconds = seconds
    }

    /// Whether the grace has run out at `now`; the first call starts it.
    func expired(now: Double) -> Bool {
        let since = stopSeenAt.withLock { seen in
            if seen == nil { seen = now }
            return seen ?? now
        }
        return now - since >= seconds
    }

    /// What is left of the grace at `now` (all of it before it started).
    func remaining(now: Double) -> Double {
        guard let since = stopSeenAt.withLock({ $0 }) else { return seconds }
        return seconds - (now - since)
    }
}
