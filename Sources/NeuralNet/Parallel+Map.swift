import Dispatch

extension Parallel {
    /// `body(i)` for every `i` in `0..<count`, results in index order. Items are handed out one at a
    /// time to whichever core is free (not in fixed contiguous parts like `ranges`), so items of very
    /// different cost — e.g. the scans of a batch, decoded and preprocessed — keep every core busy.
    /// `body` must be safe to call concurrently.
    public static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let slots = UnsafeSendableBox(buffer.baseAddress!)
            if workers == 1 || count == 1 {
                for i in 0..<count { (slots.value + i).initialize(to: body(i)) }
            } else {
                withoutActuallyEscaping(body) { body in
                    let work = UnsafeSendableBox(body)
                    DispatchQueue.concurrentPerform(iterations: count) { i in (slots.value + i).initialize(to: work.value(i)) }
                }
            }
            initialized = count
        }
    }
}
