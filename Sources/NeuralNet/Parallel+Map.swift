extension Parallel {
    /// `body(i)` for every `i` in `0..<count`, spread over the cores in contiguous parts (as
    /// `ranges`), results in index order. For independent per-item work outside the networks —
    /// e.g. decoding and preprocessing the scans of a batch; `body` must be safe to call
    /// concurrently.
    public static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let slots = UnsafeSendableBox(buffer.baseAddress!)
            ranges(count) { range in
                for i in range { (slots.value + i).initialize(to: body(i)) }
            }
            initialized = count
        }
    }
}
