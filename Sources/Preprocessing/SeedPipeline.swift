import Imaging

/// The seed profile from gray scan to resized image in one streaming pass: the same row kernels
/// as `SeedStages` (so the same bytes), but every intermediate lives in a few cache-resident
/// rows instead of five full-size images. On a 1500×700 scan that removes ~5 MB of writes and
/// reads per image; the stage-by-stage functions remain for `--stages` and the fixture tests.
enum SeedPipeline {
    static func run(_ gray: GrayImage, blockSize: Int, c: Double, width: Int, height: Int) throws(PreprocessingError) -> GrayImage {
        guard (1...PreprocessingLimits.maxTargetSide).contains(width),
              (1...PreprocessingLimits.maxTargetSide).contains(height) else {
            throw .invalidTargetSize(width: width, height: height)
        }
        guard gray.pixelCount > 0 else { throw .emptyImage }
        precondition(blockSize > 7 && blockSize % 2 == 1, "adaptive block size must be odd and > 7")
        let w = gray.width, h = gray.height
        let lut = SeedStages.equalizationTable(gray)
        let kernel = SeedStages.gaussianKernel(size: blockSize)
        let radius = blockSize / 2
        let delta = Int32(c.rounded(.down))

        // Resize plan (mirrors SeedStages.resizeBilinear).
        let identity = w == width && h == height
        let scaleX = 1 / (Double(width) / Double(w)), scaleY = 1 / (Double(height) / Double(h))
        let halving = !identity && scaleX == 2 && scaleY == 2
        let xs = SeedStages.linearTaps(source: w, target: width, scale: scaleX, clampPosition: true)
        let ys = SeedStages.linearTaps(source: h, target: height, scale: scaleY, clampPosition: false)

        // Row rings: equalized (4), blurred (8: a row is thresholded 5 rows after it is blurred),
        // row-filtered floats (blockSize), opened (2).
        let equalizedRing = 4, blurredRing = 8
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: (equalizedRing + blurredRing + 7) * w)
        defer { bytes.deallocate() }
        let equalized = bytes, blurred = equalized + equalizedRing * w
        let mean = blurred + blurredRing * w, thresholded = mean + w
        let pairs = thresholded + w          // 2 rows: erosion pair minima (previous, current)
        let erodedPairs = pairs + 2 * w      // 2 rows: dilation pair maxima of eroded rows
        let eroded = erodedPairs + 2 * w     // 1 row
        // The opened rows: two, alternating by index parity.
        let openedRows = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * w)
        defer { openedRows.deallocate() }
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: blockSize * w + (w + 2 * radius) + w)
        defer { floats.deallocate() }
        let ring = floats, pad = ring + blockSize * w, sums = pad + (w + 2 * radius)
        let column = UnsafeMutablePointer<UInt16>.allocate(capacity: w + 2)
        defer { column.deallocate() }
        let resizeRows = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * width)
        defer { resizeRows.deallocate() }
        let rowPointers = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: blockSize)
        defer { rowPointers.deallocate() }

        var out = SeedStages.uninitializedBuffer(UInt8.self, count: width * height)
        gray.pixels.withUnsafeBufferPointer { srcBuf in
        lut.withUnsafeBufferPointer { lutBuf in
        kernel.withUnsafeBufferPointer { kBuf in
        xs.index.withUnsafeBufferPointer { xIndex in
        xs.weights.withUnsafeBufferPointer { xWeights in
        out.withUnsafeMutableBufferPointer { outBuf in
            let src = srcBuf.baseAddress!, table = lutBuf.baseAddress!, k = kBuf.baseAddress!
            let dst = outBuf.baseAddress!
            var equalizedCount = 0, blurredCount = 0, filteredCount = 0, openedCount = 0

            func equalizedRow(_ r: Int) -> UnsafePointer<UInt8> { UnsafePointer(equalized + (r % equalizedRing) * w) }
            func blurredRow(_ r: Int) -> UnsafeMutablePointer<UInt8> { blurred + (r % blurredRing) * w }

            func ensureEqualized(through r: Int) {
                while equalizedCount <= r {
                    let s = src + equalizedCount * w, d = equalized + (equalizedCount % equalizedRing) * w
                    for x in 0..<w { d[x] = table[Int(s[x])] }
                    equalizedCount += 1
                }
            }
            func ensureBlurred(through r: Int) {
                while blurredCount <= r {
                    let y = blurredCount
                    ensureEqualized(through: min(y + 1, h - 1))
                    SeedStages.blurRow(up: equalizedRow(SeedStages.reflect101(y - 1, h)), mid: equalizedRow(y),
                                       down: equalizedRow(SeedStages.reflect101(y + 1, h)), column: column,
                                       into: blurredRow(y), width: w)
                    blurredCount += 1
                }
            }
            func ensureFiltered(through r: Int) {
                while filteredCount <= r {
                    ensureBlurred(through: filteredCount)
                    SeedStages.rowFilter(blurredRow(filteredCount), pad: pad, kernel: k, blockSize: blockSize,
                                         into: ring + (filteredCount % blockSize) * w, width: w)
                    filteredCount += 1
                }
            }
            /// Produces opened rows up to `r`; row i ends up in openedRows + (i % 2)·w.
            func ensureOpened(through r: Int) {
                while openedCount <= r {
                    let y = openedCount
                    ensureFiltered(through: min(y + radius, h - 1))
                    SeedStages.meanRow(y, rows: rowPointers, ring: ring, kernel: k, blockSize: blockSize,
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
            func openedRow(_ r: Int) -> UnsafePointer<UInt8> { UnsafePointer(openedRows + (r % 2) * w) }

            if identity {
                for y in 0..<h {
                    ensureOpened(through: y)
                    (dst + y * w).update(from: openedRow(y), count: w)
                }
            } else if halving {
                for y in 0..<height {
                    ensureOpened(through: 2 * y + 1)
                    SeedStages.halveRows(openedRow(2 * y), openedRow(2 * y + 1), into: dst + y * width, width: width)
                }
            } else {
                var rowA = resizeRows, rowB = resizeRows + width
                var rowAIndex = -1, rowBIndex = -1
                func horizontal(_ r: Int, into d: UnsafeMutablePointer<Int32>) {
                    SeedStages.resizeRowHorizontally(openedRow(r), sourceWidth: w, index: xIndex.baseAddress!,
                                                     weights: xWeights.baseAddress!, into: d, width: width)
                }
                for y in 0..<height {
                    let sy = Int(ys.index[y])
                    let r0 = min(max(sy, 0), h - 1), r1 = min(max(sy + 1, 0), h - 1)
                    // r0 is r1 or r1 − 1, so both are among the two opened rows kept.
                    if rowAIndex != r0 {
                        if rowBIndex == r0 { swap(&rowA, &rowB); swap(&rowAIndex, &rowBIndex) }
                        else { ensureOpened(through: r0); horizontal(r0, into: rowA); rowAIndex = r0 }
                    }
                    if rowBIndex != r1 { ensureOpened(through: r1); horizontal(r1, into: rowB); rowBIndex = r1 }
                    SeedStages.resizeRowsVertically(rowA, rowB, b0: Int32(ys.weights[2 * y]), b1: Int32(ys.weights[2 * y + 1]),
                                                    into: dst + y * width, width: width)
                }
            }
        }}}}}}
        return GrayImage(width: width, height: height, pixels: out)
    }
}
