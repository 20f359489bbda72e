import Imaging

/// The streaming stages of `SeedPipeline`: equalize → 3×3 blur → Gaussian adaptive threshold →
/// 2×2 opening, each row produced on demand a few rows ahead of the stage that reads it, in small
/// cache-resident rings (equalized 4 rows, blurred 8: a row is thresholded 5 rows after it is
/// blurred, row-filtered floats `blockSize`, opened 2). The same row kernels as `SeedStages`, so
/// the same bytes. Owns its rings: call `deallocate()` when done.
struct SeedRowStream {
    private static let equalizedRing = 4, blurredRing = 8
    private let w, h, blockSize, radius: Int
    private let delta: Int32
    private let src, table: UnsafePointer<UInt8>
    private let kernel: UnsafePointer<Float>
    private let bytes, openedRows: UnsafeMutablePointer<UInt8>
    private let floats: UnsafeMutablePointer<Float>
    private let column: UnsafeMutablePointer<UInt16>
    private let rowPointers: UnsafeMutablePointer<UnsafePointer<Float>>
    private var equalizedCount = 0, blurredCount = 0, filteredCount = 0, openedCount = 0

    /// A stream over the `width`×`height` gray image at `src`, equalized through `table`, thresholded
    /// against its Gaussian mean (`kernel`, `blockSize` taps) minus `delta`.
    init(src: UnsafePointer<UInt8>, width: Int, height: Int, table: UnsafePointer<UInt8>,
         kernel: UnsafePointer<Float>, blockSize: Int, delta: Int32) {
        (self.src, w, h, self.table, self.kernel, self.blockSize, self.delta) = (src, width, height, table, kernel, blockSize, delta)
        radius = blockSize / 2
        bytes = .allocate(capacity: (Self.equalizedRing + Self.blurredRing + 7) * width)
        openedRows = .allocate(capacity: 2 * width)
        floats = .allocate(capacity: blockSize * width + (width + 2 * radius) + width)
        column = .allocate(capacity: width + 2)
        rowPointers = .allocate(capacity: blockSize)
    }

    func deallocate() {
        bytes.deallocate(); openedRows.deallocate(); floats.deallocate(); column.deallocate(); rowPointers.deallocate()
    }

    // Rows of `bytes`: the equalized and blurred rings, then one row each of mean and thresholded,
    // the erosion pair minima (previous, current), the dilation pair maxima of eroded rows, one eroded row.
    private var equalized: UnsafeMutablePointer<UInt8> { bytes }
    private var blurred: UnsafeMutablePointer<UInt8> { equalized + Self.equalizedRing * w }
    private var mean: UnsafeMutablePointer<UInt8> { blurred + Self.blurredRing * w }
    private var thresholded: UnsafeMutablePointer<UInt8> { mean + w }
    private var pairs: UnsafeMutablePointer<UInt8> { thresholded + w }
    private var erodedPairs: UnsafeMutablePointer<UInt8> { pairs + 2 * w }
    private var eroded: UnsafeMutablePointer<UInt8> { erodedPairs + 2 * w }
    // Floats: the row-filtered ring, the padded line, the column sums.
    private var ring: UnsafeMutablePointer<Float> { floats }
    private var pad: UnsafeMutablePointer<Float> { ring + blockSize * w }
    private var sums: UnsafeMutablePointer<Float> { pad + (w + 2 * radius) }

    private func equalizedRow(_ r: Int) -> UnsafePointer<UInt8> { UnsafePointer(equalized + (r % Self.equalizedRing) * w) }
    private func blurredRow(_ r: Int) -> UnsafeMutablePointer<UInt8> { blurred + (r % Self.blurredRing) * w }

    /// Opened row `r` (valid until row r + 2 is opened); rows must be asked for in ascending order.
    mutating func openedRow(_ r: Int) -> UnsafePointer<UInt8> {
        ensureOpened(through: r)
        return UnsafePointer(openedRows + (r % 2) * w)
    }

    private mutating func ensureEqualized(through r: Int) {
        while equalizedCount <= r {
            let s = src + equalizedCount * w, d = equalized + (equalizedCount % Self.equalizedRing) * w
            ByteLookup.apply(table, from: s, to: d, count: w)
            equalizedCount += 1
        }
    }

    private mutating func ensureBlurred(through r: Int) {
        while blurredCount <= r {
            let y = blurredCount
            ensureEqualized(through: min(y + 1, h - 1))
            SeedStages.blurRow(up: equalizedRow(SeedStages.reflect101(y - 1, h)), mid: equalizedRow(y),
                               down: equalizedRow(SeedStages.reflect101(y + 1, h)), column: column,
                               into: blurredRow(y), width: w)
            blurredCount += 1
        }
    }

    private mutating func ensureFiltered(through r: Int) {
        while filteredCount <= r {
            ensureBlurred(through: filteredCount)
            SeedStages.rowFilter(blurredRow(filteredCount), pad: pad, kernel: kernel, blockSize: blockSize,
                                 into: ring + (filteredCount % blockSize) * w, width: w)
            filteredCount += 1
        }
    }

    /// Produces opened rows up to `r`; row i ends up in openedRows + (i % 2)·w.
    private mutating func ensureOpened(through r: Int) {
        while openedCount <= r {
            let y = openedCount
            ensureFiltered(through: min(y + radius, h - 1))
            SeedStages.meanRow(y, rows: rowPointers, ring: ring, kernel: kernel, blockSize: blockSize,
                               height: h, width: w, sums: sums, into: mean)
            SeedStages.thresholdRow(blurredRow(y), mean: mean, delta: delta, into: thresholded, width: w)
            // Erosion then dilation over rows y−1…y (anchor (1, 1)).
            let erosionPrevious = pairs + ((y + 1) % 2) * w, erosionCurrent = pairs + (y % 2) * w
            SeedStages.window2x2Row(thresholded, previous: y == 0 ? nil : erosionPrevious,
                                    current: erosionCurrent, into: eroded, width: w, combine: min)
            let dilationPrevious = erodedPairs + ((y + 1) % 2) * w, dilationCurrent = erodedPairs + (y % 2) * w
            SeedStages.window2x2Row(eroded, previous: y == 0 ? nil : dilationPrevious,
                                    current: dilationCurrent, into: openedRows + (y % 2) * w, width: w,
                                    combine: max)
            openedCount += 1
        }
    }
}
