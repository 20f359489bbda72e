#if canImport(Glibc)
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// Heap tuning for training and batched inference. A training step (or a batch-32 inference pass) allocates and frees activations and gradients of tens
/// to hundreds of MB (a 32×222×222×32 activation is 200 MB). glibc serves every block above its
/// mmap threshold (at most 32 MB when adaptive) with a fresh mmap and unmaps it on free, so each
/// step page-faults and the kernel zeroes every page again: measured as about a quarter of a
/// 224×224 batch-32 step. Raising the thresholds once keeps freed blocks in the heap for reuse.
enum TrainingMemory {
    /// Blocks up to this size come from the heap; larger ones still get their own mapping.
    static let heapBlockLimit: Int32 = 1 << 30

    /// Applies the tuning once per process (first training or inference pass); idempotent and thread-safe.
    static let configured: Bool = {
        #if canImport(Glibc)
        let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1  // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
        return glibcMallopt(mmapThreshold, heapBlockLimit) == 1 && glibcMallopt(trimThreshold, heapBlockLimit) == 1
        #else
        return false
        #endif
    }()
}
