import Dispatch
import Foundation

extension Parallel {
    /// `body(i)` for every `i` in `0..<count`, results in index order. Items are handed out one at a
    /// time to whichever core is free (not in fixed contiguous parts like `ranges`), so items of very
    /// different cost — e.g. the scans of a batch, decoded and preprocessed — keep every core busy.
    /// `body` must be safe to call concurrently.
    public static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let width = min(workers, count)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let slots = UnsafeSendableBox(buffer.baseAddress!)
            if width == 1 {
                for i in 0..<count { (slots.value + i).initialize(to: body(i)) }
            } else {
                // `width` tasks (the caller's share of the cores) each take the next free item.
                let next = ItemCounter()
                withoutActuallyEscaping(body) { body in
                    let work = UnsafeSendableBox(body)
                    DispatchQueue.concurrentPerform(iterations: width) { _ in
                        while let i = next.take(below: count) { (slots.value + i).initialize(to: work.value(i)) }
                    }
                }
            }
            initialized = count
        }
    }
}

/// Hands out item indices 0, 1, 2, … to concurrent takers.
private final class ItemCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}
