import Dispatch

/// Seconds on a clock that never jumps (uptime), for deadlines and progress.
public enum MonotonicClock {
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
