/// Hands `body` plain pointers to several buffers at once — `UnsafePointer`s to the arrays it reads,
/// `UnsafeMutablePointer`s to the `KernelOutput`s it writes, in argument order — so a kernel reads as
/// loops on pointers instead of one nested closure per buffer:
///
///     let dx = KernelOutput<Float>(uninitializedCount: n)
///     withPointers(x.storage, dy.storage, dx) { x, dy, dx in for i in 0..<n { dx[i] = … } }
///
/// The pointers are valid only inside `body`. Each buffer is still reached through its own
/// `withUnsafe…BufferPointer`, nested one inside the next by `lend`; nothing is copied.
@inlinable
public func withPointers<each Source: PointerSource, Result>(
    _ sources: repeat each Source, body: (repeat (each Source).Pointer) -> Result
) -> Result {
    var lenders: [any PointerSource] = []
    for source in repeat each sources { lenders.append(source) }
    var bases: [UnsafeMutableRawPointer] = []
    bases.reserveCapacity(lenders.count)
    var result: Result?
    lend(lenders, into: &bases) { bases in
        var next = 0
        func pointer<S: PointerSource>(_: S.Type) -> S.Pointer {
            defer { next += 1 }
            return S.typed(bases[next])
        }
        result = body(repeat pointer((each Source).self))
    }
    return result!
}

/// Collects the base address of `lenders[bases.count...]`, each inside the previous one's scope,
/// and calls `body` with all of them from the innermost.
@usableFromInline
func lend(_ lenders: [any PointerSource], into bases: inout [UnsafeMutableRawPointer],
          _ body: ([UnsafeMutableRawPointer]) -> Void) {
    guard bases.count < lenders.count else { return body(bases) }
    lenders[bases.count].withRawBase { base in
        bases.append(base)
        lend(lenders, into: &bases, body)
    }
}
