/// Storage a kernel reaches through one plain pointer: an array it reads (`UnsafePointer`) or a
/// `KernelOutput` it writes (`UnsafeMutablePointer`). `withPointers` hands out several at once.
public protocol PointerSource {
    associatedtype Pointer
    /// Calls `body` with the storage's first element (for empty storage, an aligned address that
    /// must not be read); the address is valid only inside `body`.
    func withRawBase(_ body: (UnsafeMutableRawPointer) -> Void)
    static func typed(_ raw: UnsafeMutableRawPointer) -> Pointer
}

extension Array: PointerSource {
    @inlinable
    public func withRawBase(_ body: (UnsafeMutableRawPointer) -> Void) {
        withUnsafeBufferPointer { buffer in
            body(UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Element>.alignment)!))
        }
    }

    @inlinable
    public static func typed(_ raw: UnsafeMutableRawPointer) -> UnsafePointer<Element> {
        UnsafePointer(raw.assumingMemoryBound(to: Element.self))
    }
}

/// An array a kernel writes through a plain pointer inside `withPointers`: create it (or take an
/// existing array in), let the kernel fill it, then `take()` the array out (no copy). A class, so
/// several can be passed to `withPointers` alongside read-only arrays without `inout`.
public final class KernelOutput<Element>: PointerSource {
    @usableFromInline var storage: [Element]

    @usableFromInline
    init(storage: [Element]) { self.storage = storage }

    /// Takes `array` in (no copy), leaving it empty until `take()` hands it back.
    @inlinable
    public convenience init(taking array: inout [Element]) {
        var taken: [Element] = []
        swap(&taken, &array)
        self.init(storage: taken)
    }

    /// `count` elements the kernel writes before anything reads them (no zeroing pass).
    @inlinable
    public convenience init(uninitializedCount count: Int) {
        self.init(storage: [Element](unsafeUninitializedCapacity: count) { _, n in n = count })
    }

    /// `count` copies of `value` (accumulators).
    @inlinable
    public convenience init(repeating value: Element, count: Int) {
        self.init(storage: [Element](repeating: value, count: count))
    }

    /// The array, moved out (this output is left empty).
    @inlinable
    public func take() -> [Element] {
        var array: [Element] = []
        swap(&array, &storage)
        return array
    }

    @inlinable
    public func withRawBase(_ body: (UnsafeMutableRawPointer) -> Void) {
        storage.withUnsafeMutableBufferPointer { buffer in
            body(UnsafeMutableRawPointer(buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Element>.alignment)!))
        }
    }

    @inlinable
    public static func typed(_ raw: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Element> {
        raw.assumingMemoryBound(to: Element.self)
    }
}
