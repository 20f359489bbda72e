import CImageShims

/// Keeps freed scan-sized buffers in the process's heap for the next scan.
///
/// Decoding a scan allocates buffers the size of the scan (the gray image, then the copy the
/// `GrayImage` owns). glibc serves an allocation above its mmap threshold (128 KiB at start,
/// raised only to the size of the last such block freed) from fresh pages, which the kernel faults
/// in and zeroes one by one, and returns free memory at the heap's top once it exceeds twice that.
/// A worker that decodes scan after scan paid that on every one: a 2500×1200 JPEG decoded in
/// 11.5 ms instead of 8.4 (`benchmark preprocess`, 2-core AMD EPYC, stop 33). `enable()` (the
/// `sigverify` executable calls it at start) serves every allocation under 32 MiB from the heap
/// and keeps up to 64 MiB of free heap before returning any to the system. glibc only; elsewhere
/// it changes nothing.
public enum HeapPageReuse {
    /// Allocations below this many bytes come from the heap: 32 MiB, glibc's largest allowed
    /// threshold on 64-bit (a 30-megapixel gray scan).
    public static let mmapThreshold = 32 << 20
    /// Free heap kept before any is returned to the system.
    public static let trimThreshold = 64 << 20

    /// Sets both thresholds; true when the C library took them.
    @discardableResult
    public static func enable() -> Bool {
        sv_keep_heap_pages(mmapThreshold, trimThreshold) == 1
    }
}
