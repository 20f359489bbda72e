import Imaging
import KernelPointers

/// The stages of the `clean` profile: paper is estimated and divided out, one global threshold
/// separates ink, specks too small to be ink are dropped, strokes are brought to ~2 output
/// pixels, and the ink is cropped and centred with its aspect ratio kept so the network sees the
/// signature, not the page. Output polarity matches `seed`: ink is white.
public enum CleanStages {

    /// Every stage in order. `maxPixels` bounds the one canvas larger than the scan (the crop with
    /// its margin); the caller has checked the scan itself (`PreprocessingLimits.checkScan`).
    static func run(_ gray: GrayImage, parameters p: CleanParameters, width: Int, height: Int,
                    maxPixels: Int) throws(PreprocessingError) -> [(stage: PreprocessingStage, image: GrayImage)] {
        guard (1...PreprocessingLimits.maxTargetSide).contains(width),
              (1...PreprocessingLimits.maxTargetSide).contains(height) else {
            throw .invalidTargetSize(width: width, height: height)
        }
        guard gray.pixelCount > 0 else { throw .emptyImage }
        guard let longSide = p.workingLongSide(width: width, height: height) else {
            return try stages(gray, parameters: p, width: width, height: height, maxPixels: maxPixels)
        }
        let working = try reduce(gray, toLongSide: longSide)
        var all = try stages(working, parameters: p, width: width, height: height, maxPixels: maxPixels)
        all[0] = (.gray, gray)
        all.insert((.working, working), at: 1)
        return all
    }

    /// The stages from the scan as given (version 2: already at the working resolution).
    private static func stages(_ gray: GrayImage, parameters p: CleanParameters, width: Int, height: Int,
                               maxPixels: Int) throws(PreprocessingError) -> [(stage: PreprocessingStage, image: GrayImage)] {
        let shorter = Double(min(gray.width, gray.height))
        var window = Int(max(p.backgroundWindowMin, (shorter * p.backgroundWindowFraction).rounded()))
        window |= 1
        let normalized = normalizeBackground(gray, window: window)
        let smoothed = SeedStages.gaussianBlur3x3(normalized)
        let binarized: GrayImage
        switch p.thresholdMethod {
        case 1:
            binarized = sauvola(smoothed, window: window, k: p.sauvolaK, atMost: UInt8(p.thresholdMax))
        case 2:
            let block = Int(max(p.adaptiveBlockMin, (shorter * p.adaptiveBlockFraction).rounded())) | 1
            binarized = adaptiveBinarize(gray, blockSize: block, c: p.adaptiveC)
        default:
            let otsu = Double(otsuThreshold(SeedStages.histogram(smoothed)))
            binarized = threshold(smoothed, atMost: UInt8(min(max(otsu, p.thresholdMin), p.thresholdMax)))
        }
        let minArea = Int(max(p.minComponentAreaMin, (shorter * shorter * p.minComponentAreaFraction).rounded()))
        var despeckled = removeSmallComponents(binarized, minimumArea: minArea)
        if p.inkIntensity > 0 { despeckled = inkDarkness(despeckled, on: normalized, stretched: p.inkIntensity == 2) }
        let cropped = p.cropToInk == 1
            ? try cropToInk(despeckled, marginFraction: p.marginFraction, maxPixels: maxPixels) : despeckled
        let scale = max(Double(cropped.width) / Double(width), Double(cropped.height) / Double(height))
        let thickened = thickenStrokes(cropped, toWidth: p.targetStrokeWidth * scale)
        let resized = try fitCentred(thickened, width: width, height: height)
        return [(.gray, gray), (.normalized, normalized), (.binarized, binarized),
                (.despeckled, despeckled), (.cropped, cropped), (.thickened, thickened), (.resized, resized)]
    }

    /// Ink pixels of `mask` (non-zero) carry their darkness on the normalised page, 255 − value
    /// (at least 1, so they stay ink); paper stays 0. `stretched`: scaled so the 95th percentile of
    /// the ink's darkness becomes 255 (saturating above it).
    static func inkDarkness(_ mask: GrayImage, on normalized: GrayImage, stretched: Bool) -> GrayImage {
        var pixels = mask.pixels
        normalized.pixels.withUnsafeBufferPointer { page in
            for i in pixels.indices where pixels[i] != 0 { pixels[i] = max(1, 255 &- page[i]) }
        }
        let darkness = GrayImage(width: mask.width, height: mask.height, pixels: pixels)
        guard stretched else { return darkness }
        var counts = SeedStages.histogram(darkness)
        counts[0] = 0   // paper
        let ink = counts.reduce(0, +)
        var below = 0, level = 255
        for (value, count) in counts.enumerated() {
            below += count
            if below * 20 >= ink * 19 { level = value; break }
        }
        let lut = (0..<256).map { v in v == 0 ? UInt8(0) : UInt8(max(1, min(255, (v * 255 + level / 2) / max(level, 1)))) }
        return SeedStages.applyLookupTable(lut, to: darkness)
    }

    /// The seed's binarisation with other numbers (threshold method 2): equalise → 3×3 Gaussian →
    /// adaptive Gaussian threshold (`blockSize`, `c`, inverted: ink white) → 2×2 opening.
    static func adaptiveBinarize(_ gray: GrayImage, blockSize: Int, c: Double) -> GrayImage {
        let blurred = SeedStages.gaussianBlur3x3(SeedStages.equalizeHistogram(gray))
        return SeedStages.open2x2(SeedStages.adaptiveThreshold(blurred, blockSize: blockSize, c: c))
    }

    /// Divides out the paper: the background is the brightest value within `window` (a
    /// separable max filter, wider than a stroke so ink disappears from it), smoothed by a box
    /// mean of the same size; `out = min(255, 255·gray / background)`. Paper becomes ≈ 255
    /// whatever its tone or shading; ink keeps its contrast relative to the paper around it.
    public static func normalizeBackground(_ gray: GrayImage, window: Int) -> GrayImage {
        let background = boxMean(maxFilter(gray, window: window), window: window)
        var out = SeedStages.uninitializedBuffer(UInt8.self, count: gray.pixelCount)
        gray.pixels.withUnsafeBufferPointer { src in
            background.pixels.withUnsafeBufferPointer { bg in
                out.withUnsafeMutableBufferPointer { dst in
                    // (255·g + b/2) / b in Float32: the numerator is exact and IEEE division is
                    // correctly rounded, so truncation equals the integer quotient (vectorises).
                    for i in 0..<src.count {
                        let b = Float(max(bg[i], 1))
                        let v = (Float(src[i]) * 255 + (b * 0.5).rounded(.down)) / b
                        dst[i] = truncatedByte(min(v, 255))
                    }
                }
            }
        }
        return GrayImage(width: gray.width, height: gray.height, pixels: out)
    }

    /// ⌊v⌋ for v in [0, 255] without the trapping conversion (which blocks vectorisation):
    /// adding 2²³ to an integral Float puts it in the low mantissa bits.
    @inline(__always)
    static func truncatedByte(_ v: Float) -> UInt8 {
        UInt8(truncatingIfNeeded: (v.rounded(.down) + 8_388_608).bitPattern)
    }

    /// Separable max filter with a `window`-wide square, clamped at the borders. An even window
    /// reaches one pixel further before the centre than after it.
    public static func maxFilter(_ image: GrayImage, window: Int) -> GrayImage {
        verticalMax(slidingWindow(image, window: window), window: window)
    }

    /// Vertical running max over `window` rows (whole rows at a time, so the inner loop runs
    /// over contiguous bytes).
    static func verticalMax(_ image: GrayImage, window: Int) -> GrayImage {
        let w = image.width, h = image.height, r = window / 2
        var out = image.pixels
        image.pixels.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                let src = srcBuf.baseAddress!
                for y in 0..<h {
                    let d = dstBuf.baseAddress! + y * w
                    for row in max(0, y - r)..<min(h, y - r + window) where row != y {
                        let s = src + row * w
                        for x in 0..<w { d[x] = max(d[x], s[x]) }
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Horizontal running max over `window` pixels around each pixel (border pixels see
    /// only the part of the window inside the image).
    static func slidingWindow(_ image: GrayImage, window: Int) -> GrayImage {
        let w = image.width, h = image.height, r = window / 2
        let taps = window
        var out = SeedStages.uninitializedBuffer(UInt8.self, count: w * h)
        var padded = [UInt8](repeating: 0, count: w + 2 * r)
        image.pixels.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                padded.withUnsafeMutableBufferPointer { padBuf in
                    let pad = padBuf.baseAddress!
                    for y in 0..<h {
                        let s = srcBuf.baseAddress! + y * w, d = dstBuf.baseAddress! + y * w
                        // Zero padding is neutral for a max of unsigned values.
                        (pad + r).update(from: s, count: w)
                        d.update(from: pad, count: w)
                        for k in 1..<taps {
                            let p = pad + k
                            for x in 0..<w { d[x] = max(d[x], p[x]) }
                        }
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Box mean over a `window`² square with clamped (replicated) borders, rounded to nearest.
    /// Running column sums move down the image one row at a time (no full-size temporaries).
    static func boxMean(_ image: GrayImage, window: Int) -> GrayImage {
        let w = image.width, h = image.height, r = window / 2
        var pixels = SeedStages.uninitializedBuffer(UInt8.self, count: w * h)
        let out = KernelOutput(taking: &pixels)
        let columns = KernelOutput<UInt32>(repeating: 0, count: w + 2 * r + 1), sums = KernelOutput<UInt32>(repeating: 0, count: w)
        let area = Float(window * window), half = Float((window * window) / 2)
        withPointers(image.pixels, out, columns, sums) { src, dst, columns, rowSum in
            let col = columns + r
            for k in -r...r {
                let row = src + min(max(k, 0), h - 1) * w
                for x in 0..<w { col[x] &+= UInt32(row[x]) }
            }
            for y in 0..<h {
                // Replicated left/right borders of the column sums, then a running sum.
                for i in 1...r { col[-i] = col[0]; col[w - 1 + i] = col[w - 1] }
                col[w + r] = col[w - 1]
                var acc: UInt32 = 0
                for k in -r...r { acc &+= col[k] }
                for x in 0..<w {
                    rowSum[x] = acc
                    acc = acc &+ col[x &+ r &+ 1] &- col[x &- r]
                }
                // (sum + ⌊area/2⌋) / area in Float32: exact numerator, correctly rounded quotient.
                let d = dst + y * w
                for x in 0..<w { d[x] = truncatedByte((Float(rowSum[x]) + half) / area) }
                let add = src + min(y + r + 1, h - 1) * w, sub = src + max(y - r, 0) * w
                for x in 0..<w { col[x] = col[x] &+ UInt32(add[x]) &- UInt32(sub[x]) }
            }
        }
        return GrayImage(width: w, height: h, pixels: out.take())
    }

    /// Otsu's threshold: the level `t` maximising the between-class variance of
    /// {≤ t} and {> t}. Returns 0 for an empty histogram.
    public static func otsuThreshold(_ histogram: [Int]) -> Int {
        let total = histogram.reduce(0, +)
        guard total > 0 else { return 0 }
        var sumAll = 0.0
        for (level, count) in histogram.enumerated() { sumAll += Double(level * count) }
        var weightBelow = 0, sumBelow = 0.0, best = 0.0, bestLevel = 0
        for level in 0..<256 {
            weightBelow += histogram[level]
            if weightBelow == 0 { continue }
            let weightAbove = total - weightBelow
            if weightAbove == 0 { break }
            sumBelow += Double(level * histogram[level])
            let meanBelow = sumBelow / Double(weightBelow)
            let meanAbove = (sumAll - sumBelow) / Double(weightAbove)
            let between = Double(weightBelow) * Double(weightAbove) * (meanBelow - meanAbove) * (meanBelow - meanAbove)
            if between > best { best = between; bestLevel = level }
        }
        return bestLevel
    }

    /// 255 (ink) where the pixel is ≤ `level`, else 0.
    public static func threshold(_ image: GrayImage, atMost level: UInt8) -> GrayImage {
        var lut = [UInt8](repeating: 0, count: 256)
        for v in 0...Int(level) { lut[v] = 255 }
        return SeedStages.applyLookupTable(lut, to: image)
    }

    /// Sauvola's local threshold: ink (255) where `v ≤ m·(1 + k·(s/128 − 1))` with the mean `m`
    /// and standard deviation `s` over a `window`² square (replicated borders), and `v ≤ cap`.
    public static func sauvola(_ image: GrayImage, window: Int, k: Double, atMost cap: UInt8) -> GrayImage {
        let w = image.width, h = image.height, r = window / 2
        var out = SeedStages.uninitializedBuffer(UInt8.self, count: w * h)
        var columns = [UInt64](repeating: 0, count: 2 * (w + 2 * r + 1))
        let area = Double(window * window)
        image.pixels.withUnsafeBufferPointer { srcBuf in
        out.withUnsafeMutableBufferPointer { dstBuf in
        columns.withUnsafeMutableBufferPointer { colBuf in
            let src = srcBuf.baseAddress!
            let sum = colBuf.baseAddress! + r, squares = sum + (w + 2 * r + 1)
            for kRow in -r...r {
                let row = src + min(max(kRow, 0), h - 1) * w
                for x in 0..<w { let v = UInt64(row[x]); sum[x] &+= v; squares[x] &+= v &* v }
            }
            for y in 0..<h {
                for i in 1...r {
                    sum[-i] = sum[0]; sum[w - 1 + i] = sum[w - 1]
                    squares[-i] = squares[0]; squares[w - 1 + i] = squares[w - 1]
                }
                sum[w + r] = sum[w - 1]; squares[w + r] = squares[w - 1]
                var s1: UInt64 = 0, s2: UInt64 = 0
                for kx in -r...r { s1 &+= sum[kx]; s2 &+= squares[kx] }
                let srcRow = src + y * w, d = dstBuf.baseAddress! + y * w
                for x in 0..<w {
                    let mean = Double(s1) / area
                    let deviation = (max(Double(s2) / area - mean * mean, 0)).squareRoot()
                    let t = mean * (1 + k * (deviation / 128 - 1))
                    let v = srcRow[x]
                    d[x] = Double(v) <= t && v <= cap ? 255 : 0
                    s1 = s1 &+ sum[x &+ r &+ 1] &- sum[x &- r]
                    s2 = s2 &+ squares[x &+ r &+ 1] &- squares[x &- r]
                }
                let add = src + min(y + r + 1, h - 1) * w, sub = src + max(y - r, 0) * w
                for x in 0..<w {
                    let a = UInt64(add[x]), b = UInt64(sub[x])
                    sum[x] = sum[x] &+ a &- b
                    squares[x] = squares[x] &+ a &* a &- b &* b
                }
            }
        }}}
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Mean stroke width of binary ink, estimated as 2·area / boundary length (exact for long
    /// straight strokes; boundary pixels are ink pixels with a 4-neighbour that is not ink).
    public static func strokeWidth(_ image: GrayImage) -> Double {
        let w = image.width, h = image.height
        var area = 0, boundary = 0
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<h {
                for x in 0..<w where p[y * w + x] != 0 {
                    area += 1
                    let edge = x == 0 || x == w - 1 || y == 0 || y == h - 1
                        || p[y * w + x - 1] == 0 || p[y * w + x + 1] == 0
                        || p[(y - 1) * w + x] == 0 || p[(y + 1) * w + x] == 0
                    if edge { boundary += 1 }
                }
            }
        }
        return boundary == 0 ? 0 : 2 * Double(area) / Double(boundary)
    }

    /// Dilates binary ink with a square so strokes reach about `targetWidth` pixels; never thins.
    public static func thickenStrokes(_ image: GrayImage, toWidth targetWidth: Double) -> GrayImage {
        let current = strokeWidth(image)
        guard current > 0, targetWidth > current else { return image }
        let grow = Int((targetWidth - current).rounded())
        guard grow >= 1 else { return image }
        return maxFilter(image, window: grow + 1)
    }

    /// Crops to the bounding box of the ink plus a black margin, so the signature, not the
    /// page, fills the frame. A page without ink gives a 1×1 black image.
    ///
    /// The margin is a fraction of the box's *longer* side on both axes, so a thin box gets a canvas
    /// far larger than itself (a 1×1,000,000 line: 100,001×1,100,000 = 110 GB). The canvas is sized
    /// before anything is allocated and refused (`overPixelBudget`) when it exceeds `maxPixels`, the
    /// budget that admitted the scan; within it the crop is unchanged.
    public static func cropToInk(_ image: GrayImage, marginFraction: Double,
                                 maxPixels: Int = PreprocessingLimits.defaultMaxPixels) throws(PreprocessingError) -> GrayImage {
        let w = image.width, h = image.height
        var minX = w, minY = h, maxX = -1, maxY = -1
        image.pixels.withUnsafeBufferPointer { pix in
            for y in 0..<h {
                let row = pix.baseAddress! + y * w
                var first = -1, last = -1
                for x in 0..<w where row[x] != 0 {
                    if first < 0 { first = x }
                    last = x
                }
                if first >= 0 {
                    minX = min(minX, first); maxX = max(maxX, last)
                    minY = min(minY, y); maxY = y
                }
            }
        }
        guard maxX >= 0 else { return GrayImage(width: 1, height: 1) }
        let boxW = maxX - minX + 1, boxH = maxY - minY + 1
        let margin = Int((Double(max(boxW, boxH)) * marginFraction).rounded())
        let outW = boxW + 2 * margin, outH = boxH + 2 * margin
        try PreprocessingLimits.checkCanvas(.cropped, width: outW, height: outH, maxPixels: maxPixels)
        var out = [UInt8](repeating: 0, count: outW * outH)
        image.pixels.withUnsafeBufferPointer { pix in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<boxH {
                    let s = pix.baseAddress! + (minY + y) * w + minX
                    (dst.baseAddress! + (margin + y) * outW + margin).update(from: s, count: boxW)
                }
            }
        }
        return GrayImage(width: outW, height: outH, pixels: out)
    }

    /// Resizes `image` with its aspect ratio kept to fit `width`×`height` and centres it on black:
    /// the SigNet-style framing, without building a padded full-resolution canvas first.
    public static func fitCentred(_ image: GrayImage, width: Int, height: Int) throws(PreprocessingError) -> GrayImage {
        guard image.pixelCount > 0 else { throw .emptyImage }
        let scale = max(Double(image.width) / Double(width), Double(image.height) / Double(height))
        let fitW = min(width, max(1, Int((Double(image.width) / scale).rounded())))
        let fitH = min(height, max(1, Int((Double(image.height) / scale).rounded())))
        let fitted = try resizeArea(image, width: fitW, height: fitH)
        var out = [UInt8](repeating: 0, count: width * height)
        let offX = (width - fitW) / 2, offY = (height - fitH) / 2
        fitted.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<fitH {
                    (dst.baseAddress! + (offY + y) * width + offX).update(from: src.baseAddress! + y * fitW, count: fitW)
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// Area-averaging resize: every target pixel is the mean of the source area it covers
    /// (fractional coverage at the edges), so thin strokes fade instead of vanishing when a
    /// large scan shrinks; enlargements use the seed's bilinear resize.
    public static func resizeArea(_ image: GrayImage, width: Int, height: Int) throws(PreprocessingError) -> GrayImage {
        guard image.pixelCount > 0 else { throw .emptyImage }
        if image.width < width || image.height < height {
            return try SeedStages.resizeBilinear(image, width: width, height: height)
        }
        let xTaps = areaTaps(source: image.width, target: width)
        let yTaps = areaTaps(source: image.height, target: height)
        let sw = image.width
        // Vertical pass first (whole contiguous rows, vectorised) down to `height` rows, then
        // the horizontal pass on those few rows only.
        var rows = [Float](repeating: 0, count: sw * height)
        var row = [Float](repeating: 0, count: sw)
        image.pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                row.withUnsafeMutableBufferPointer { rowBuf in
                    let r = rowBuf.baseAddress!
                    var converted = -1
                    for tap in yTaps {
                        if tap.source != converted {
                            let s = src.baseAddress! + tap.source * sw
                            for x in 0..<sw { r[x] = Float(s[x]) }
                            converted = tap.source
                        }
                        let d = dst.baseAddress! + tap.target * sw
                        let weight = tap.weight
                        for x in 0..<sw { d[x] += r[x] * weight }
                    }
                }
            }
        }
        var acc = [Float](repeating: 0, count: width * height)
        rows.withUnsafeBufferPointer { src in
            acc.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let s = src.baseAddress! + y * sw, d = dst.baseAddress! + y * width
                    for tap in xTaps { d[tap.target] += s[tap.source] * tap.weight }
                }
            }
        }
        let pixels = acc.map { UInt8(min(max($0.rounded(), 0), 255)) }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// (source, target, weight) triples of an area resize along one axis; weights per target sum to 1.
    static func areaTaps(source: Int, target: Int) -> [(source: Int, target: Int, weight: Float)] {
        let scale = Double(source) / Double(target)
        var taps: [(source: Int, target: Int, weight: Float)] = []
        taps.reserveCapacity(source + target)
        for t in 0..<target {
            let start = Double(t) * scale, end = Double(t + 1) * scale
            var s = Int(start)
            while Double(s) < end && s < source {
                let overlap = min(end, Double(s + 1)) - max(start, Double(s))
                if overlap > 1e-9 { taps.append((s, t, Float(overlap / scale))) }
                s += 1
            }
        }
        return taps
    }
}
