import Foundation
import Imaging
import KernelPointers

/// The stages of the `seed` preprocessing profile, each bit-exact with the OpenCV call the
/// reference notebook made (SPEC.md §2). They are separate functions so tests can check every
/// stage against OpenCV's golden output on its own, and so other profiles can reuse them.
///
/// All kernels work row by row over contiguous buffers with small reusable row scratch space;
/// none allocates per pixel.
public enum SeedStages {

    // MARK: 1. equalizeHist

    /// `cv2.equalizeHist`: spreads the histogram over 0…255 with OpenCV's Float32 scale and
    /// round-half-even, so a nearly uniform page and OpenCV agree on every grey level.
    public static func equalizeHistogram(_ image: GrayImage) -> GrayImage {
        guard image.pixelCount > 0 else { return image }
        return applyLookupTable(equalizationTable(image), to: image)
    }

    /// The 256-entry table `equalizeHistogram` maps pixels through (a constant image maps to itself).
    public static func equalizationTable(_ image: GrayImage) -> [UInt8] {
        let total = image.pixelCount
        var lut = [UInt8](repeating: 0, count: 256)
        guard total > 0 else { return lut }
        let hist = histogram(image)
        var first = 0
        while hist[first] == 0 { first += 1 }
        if hist[first] == total {
            lut[first] = UInt8(first)
            return lut
        }
        let scale = Float(255) / Float(total - hist[first])
        var sum = 0
        for level in (first + 1)..<256 {
            sum += hist[level]
            lut[level] = saturatedByte((Float(sum) * scale).rounded(.toNearestOrEven))
        }
        return lut
    }

    /// The 256-bin histogram of `image`. Eight interleaved 32-bit sub-histograms, one per byte of
    /// each 8-byte load, avoid the store-to-load stall of incrementing the same bin on consecutive
    /// pixels (flat paper): 1.6× faster than four 64-bit ones on a 2 MP scan. A sub-histogram counts
    /// at most an eighth of the pixels plus 7, far below 2³² for any image the pixel budget admits.
    public static func histogram(_ image: GrayImage) -> [Int] {
        var bins = [UInt32](repeating: 0, count: 8 * 256)
        let total = image.pixelCount
        image.pixels.withUnsafeBufferPointer { src in
            bins.withUnsafeMutableBufferPointer { h in
                guard let s = src.baseAddress, let b = h.baseAddress else { return }
                var i = 0
                let raw = UnsafeRawPointer(s)
                while i &+ 8 <= total {
                    let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    b[Int(word & 0xFF)] &+= 1
                    b[256 &+ Int((word &>> 8) & 0xFF)] &+= 1
                    b[512 &+ Int((word &>> 16) & 0xFF)] &+= 1
                    b[768 &+ Int((word &>> 24) & 0xFF)] &+= 1
                    b[1024 &+ Int((word &>> 32) & 0xFF)] &+= 1
                    b[1280 &+ Int((word &>> 40) & 0xFF)] &+= 1
                    b[1536 &+ Int((word &>> 48) & 0xFF)] &+= 1
                    b[1792 &+ Int(word &>> 56)] &+= 1
                    i &+= 8
                }
                while i < total { b[Int(s[i])] &+= 1; i += 1 }
            }
        }
        return (0..<256).map { v in (0..<8).reduce(0) { $0 + Int(bins[$1 * 256 + v]) } }
    }

    /// Maps every pixel through a 256-entry table.
    public static func applyLookupTable(_ lut: [UInt8], to image: GrayImage) -> GrayImage {
        precondition(lut.count == 256, "a lookup table has 256 entries")
        var out = uninitializedBuffer(UInt8.self, count: image.pixelCount)
        image.pixels.withUnsafeBufferPointer { src in
            lut.withUnsafeBufferPointer { table in
                out.withUnsafeMutableBufferPointer { dst in
                    guard let from = src.baseAddress, let to = dst.baseAddress else { return }
                    ByteLookup.apply(table.baseAddress!, from: from, to: to, count: src.count)
                }
            }
        }
        return GrayImage(width: image.width, height: image.height, pixels: out)
    }

    // MARK: 2. GaussianBlur 3×3

    /// `cv2.GaussianBlur(img, (3, 3), 0)` on 8 bits: kernel [1 2 1]/4 both ways,
    /// `BORDER_REFLECT_101`, `(Σ w·p + 8) >> 4` — exact integer arithmetic, so computing the
    /// vertical pass first gives the same bytes as OpenCV's row-first order.
    public static func gaussianBlur3x3(_ image: GrayImage) -> GrayImage {
        let w = image.width, h = image.height
        guard w > 0, h > 0 else { return image }
        var out = uninitializedBuffer(UInt8.self, count: w * h)
        var column = [UInt16](repeating: 0, count: w + 2)
        image.pixels.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                column.withUnsafeMutableBufferPointer { colBuf in
                    let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!
                    for y in 0..<h {
                        blurRow(up: src + reflect101(y - 1, h) * w, mid: src + y * w,
                                down: src + reflect101(y + 1, h) * w, column: colBuf.baseAddress!,
                                into: dst + y * w, width: w)
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// One output row of the 3×3 blur from its three (already reflected) source rows;
    /// `column` is scratch for `width + 2` vertical sums.
    @inline(__always)
    static func blurRow(up: UnsafePointer<UInt8>, mid: UnsafePointer<UInt8>, down: UnsafePointer<UInt8>,
                        column v: UnsafeMutablePointer<UInt16>, into row: UnsafeMutablePointer<UInt8>, width w: Int) {
        // v[x + 1] holds the vertical sum of column x; v[0] and v[w + 1] are the reflected borders.
        for x in 0..<w {
            v[x &+ 1] = UInt16(up[x]) &+ (UInt16(mid[x]) &<< 1) &+ UInt16(down[x])
        }
        v[0] = v[reflect101(-1, w) + 1]
        v[w + 1] = v[reflect101(w, w) + 1]
        for x in 0..<w {
            let s = UInt32(v[x]) &+ (UInt32(v[x &+ 1]) &<< 1) &+ UInt32(v[x &+ 2]) &+ 8
            row[x] = UInt8(truncatingIfNeeded: s &>> 4)
        }
    }

    // MARK: 3. adaptiveThreshold (Gaussian, 11, C = 2, BINARY_INV)

    /// The normalised Float32 Gaussian kernel OpenCV's `getGaussianKernel(size, 0, CV_32F)`
    /// returns for an odd `size` > 7: `exp(−(i−c)²/(2σ²))` in Double with
    /// σ = 0.3·((size−1)/2 − 1) + 0.8, cast to Float, normalised in Double and cast again.
    public static func gaussianKernel(size: Int) -> [Float] {
        precondition(size > 7 && size % 2 == 1, "the computed Gaussian kernel needs an odd size > 7")
        let sigma = 0.3 * (Double(size - 1) * 0.5 - 1) + 0.8
        let scale2 = -0.5 / (sigma * sigma)
        let centre = Double(size - 1) * 0.5
        var raw = [Float](repeating: 0, count: size)
        var sum = 0.0
        for i in 0..<size {
            let x = Double(i) - centre
            raw[i] = Float(exp(scale2 * x * x))
            sum += Double(raw[i])
        }
        let inverse = 1 / sum
        return raw.map { Float(Double($0) * inverse) }
    }

    /// The 8-bit local mean `adaptiveThreshold(…, ADAPTIVE_THRESH_GAUSSIAN_C, …, blockSize, …)`
    /// compares each pixel with: a separable `blockSize`² Gaussian on a Float32 copy,
    /// `BORDER_REPLICATE`, rounded half-to-even. Exposed as a debug aid (the fixtures carry it
    /// as `adaptive_mean`) so a threshold mismatch can be told apart from a mean mismatch.
    public static func adaptiveMean(_ image: GrayImage, blockSize: Int = 11) -> GrayImage {
        var out = uninitializedBuffer(UInt8.self, count: image.pixelCount)
        out.withUnsafeMutableBufferPointer { dstBuf in
            gaussianMeanRows(image, blockSize: blockSize) { y, mean in
                (dstBuf.baseAddress! + y * image.width).update(from: mean, count: image.width)
            }
        }
        return GrayImage(width: image.width, height: image.height, pixels: out)
    }

    /// `cv2.adaptiveThreshold(img, 255, ADAPTIVE_THRESH_GAUSSIAN_C, THRESH_BINARY_INV, blockSize, c)`:
    /// 255 where `pixel − mean ≤ −⌊c⌋`, else 0 — dark ink becomes white on black.
    public static func adaptiveThreshold(_ image: GrayImage, blockSize: Int = 11, c: Double = 2) -> GrayImage {
        let w = image.width
        let delta = Int32(c.rounded(.down))
        var out = uninitializedBuffer(UInt8.self, count: image.pixelCount)
        image.pixels.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                gaussianMeanRows(image, blockSize: blockSize) { y, mean in
                    thresholdRow(srcBuf.baseAddress! + y * w, mean: mean, delta: delta, into: dstBuf.baseAddress! + y * w, width: w)
                }
            }
        }
        return GrayImage(width: w, height: image.height, pixels: out)
    }

    /// `dst = src − mean ≤ −delta ? 255 : 0` along a row.
    @inline(__always)
    static func thresholdRow(_ src: UnsafePointer<UInt8>, mean: UnsafePointer<UInt8>, delta: Int32,
                             into dst: UnsafeMutablePointer<UInt8>, width w: Int) {
        for x in 0..<w {
            dst[x] = Int32(src[x]) &- Int32(mean[x]) <= -delta ? 255 : 0
        }
    }

    /// Converts a row to Float32 with `radius` replicated pixels on each side into `pad`
    /// (`width + 2·radius` floats) and runs the Gaussian row pass into `out`.
    @inline(__always)
    static func rowFilter(_ s: UnsafePointer<UInt8>, pad: UnsafeMutablePointer<Float>, kernel k: UnsafePointer<Float>,
                          blockSize: Int, into out: UnsafeMutablePointer<Float>, width w: Int) {
        let radius = blockSize / 2
        let body = pad + radius
        for x in 0..<w { body[x] = Float(s[x]) }
        let left = Float(s[0]), right = Float(s[w - 1])
        for i in 0..<radius { pad[i] = left; pad[radius + w + i] = right }
        // A literal tap count lets the compiler unroll the default 11-tap kernel fully.
        if blockSize == 11 { convolveRow(pad, kernel: k, taps: 11, into: out, width: w) }
        else { convolveRow(pad, kernel: k, taps: blockSize, into: out, width: w) }
    }

    /// Column pass for output row `y` of an image of `h` rows whose row-filtered rows live in
    /// `ring` (`blockSize` rows of `w` floats, row r at slot r % blockSize); 8-bit mean out.
    @inline(__always)
    static func meanRow(_ y: Int, rows: UnsafeMutablePointer<UnsafePointer<Float>>, ring: UnsafeMutablePointer<Float>,
                        kernel k: UnsafePointer<Float>, blockSize: Int, height h: Int, width w: Int,
                        sums: UnsafeMutablePointer<Float>, into mean: UnsafeMutablePointer<UInt8>) {
        let radius = blockSize / 2
        for j in 0..<blockSize {
            let r = min(max(y + j - radius, 0), h - 1)
            rows[j] = UnsafePointer(ring + (r % blockSize) * w)
        }
        if radius == 5 {
            convolveElevenRows(rows, kernel: k, width: w, sums: sums, into: mean)
        } else {
            convolveColumns(rows, kernel: k, radius: radius, width: w, sums: sums, into: mean)
        }
    }

    /// Computes the 8-bit Gaussian mean row by row and hands each finished row to `body`.
    /// The row pass keeps a ring of `blockSize` Float32 rows (a few tens of KB, cache resident)
    /// instead of a whole Float32 image. Summation order follows OpenCV's AVX2/FMA kernels:
    /// row pass `s = fma(x[k], k[k], s)` for k ascending; column pass starts at the centre row
    /// and adds symmetric pairs (pair sum rounded to Float32 first) from the inside out.
    @inline(__always)
    static func gaussianMeanRows(_ image: GrayImage, blockSize: Int,
                                 _ body: (Int, UnsafePointer<UInt8>) -> Void) {
        precondition(blockSize > 7 && blockSize % 2 == 1, "adaptive block size must be odd and > 7")
        let w = image.width, h = image.height
        guard w > 0, h > 0 else { return }
        let kernel = gaussianKernel(size: blockSize)
        let radius = blockSize / 2
        let padded = w + 2 * radius
        let line = KernelOutput<Float>(repeating: 0, count: padded)
        let ring = KernelOutput<Float>(repeating: 0, count: blockSize * w)
        let meanLine = KernelOutput<UInt8>(repeating: 0, count: w)
        let sums = KernelOutput<Float>(repeating: 0, count: w)
        let rowPointers = KernelOutput<UnsafePointer<Float>>(repeating: UnsafePointer(bitPattern: 16)!, count: blockSize)
        withPointers(image.pixels, kernel, line, ring, meanLine, sums, rowPointers) { src, k, pad, ringBase, mean, sums, rows in
            var computedRows = 0  // rows 0..<computedRows have been row-filtered into the ring
            for y in 0..<h {
                let needed = min(h, y + radius + 1)
                while computedRows < needed {
                    rowFilter(src + computedRows * w, pad: pad, kernel: k, blockSize: blockSize,
                              into: ringBase + (computedRows % blockSize) * w, width: w)
                    computedRows += 1
                }
                meanRow(y, rows: rows, ring: ringBase, kernel: k, blockSize: blockSize, height: h,
                        width: w, sums: sums, into: mean)
                body(y, UnsafePointer(mean))
            }
        }
    }

    /// Row pass: `out[x] = Σ_k pad[x + k]·kernel[k]` accumulated with FMA for k ascending,
    /// eight columns at a time (each lane keeps the scalar order, so results are identical).
    @inline(__always)
    static func convolveRow(_ pad: UnsafePointer<Float>, kernel k: UnsafePointer<Float>, taps: Int,
                            into out: UnsafeMutablePointer<Float>, width w: Int) {
        let raw = UnsafeRawPointer(pad)
        var x = 0
        while x &+ 16 <= w {
            var s0 = SIMD8<Float>(repeating: 0), s1 = SIMD8<Float>(repeating: 0)
            for t in 0..<taps {
                let kt = SIMD8<Float>(repeating: k[t])
                let a = raw.loadUnaligned(fromByteOffset: (x &+ t) &* 4, as: SIMD8<Float>.self)
                let b = raw.loadUnaligned(fromByteOffset: (x &+ t &+ 8) &* 4, as: SIMD8<Float>.self)
                s0 = s0.addingProduct(a, kt)
                s1 = s1.addingProduct(b, kt)
            }
            UnsafeMutableRawPointer(out).storeBytes(of: s0, toByteOffset: x &* 4, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out).storeBytes(of: s1, toByteOffset: (x &+ 8) &* 4, as: SIMD8<Float>.self)
            x &+= 16
        }
        while x < w {
            var s: Float = 0
            for t in 0..<taps { s = s.addingProduct(pad[x + t], k[t]) }
            out[x] = s
            x += 1
        }
    }

    /// Column pass over `2·radius + 1` row pointers into Float sums (`sums`, `w` floats of
    /// scratch), then rounding to 8 bits half-to-even with saturation.
    @inline(__always)
    static func convolveColumns(_ rows: UnsafePointer<UnsafePointer<Float>>, kernel k: UnsafePointer<Float>,
                                radius: Int, width w: Int, sums: UnsafeMutablePointer<Float>,
                                into mean: UnsafeMutablePointer<UInt8>) {
        let centre = UnsafeRawPointer(rows[radius])
        let out = UnsafeMutableRawPointer(sums)
        let kc = SIMD8<Float>(repeating: k[radius])
        var x = 0
        while x &+ 8 <= w {
            let offset = x &* 4
            var s = centre.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * kc
            for j in 1...radius {
                let a = UnsafeRawPointer(rows[radius &+ j]).loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                let b = UnsafeRawPointer(rows[radius &- j]).loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                s = s.addingProduct(a + b, SIMD8<Float>(repeating: k[radius &+ j]))
            }
            out.storeBytes(of: s, toByteOffset: offset, as: SIMD8<Float>.self)
            x &+= 8
        }
        while x < w {
            sums[x] = columnSum(rows, kernel: k, radius: radius, at: x)
            x += 1
        }
        roundToBytes(sums, width: w, into: mean)
    }

    /// One column's sum in the column pass's order: the centre row's product, then the symmetric
    /// pairs (pair sum rounded to Float32 first) from the inside out.
    @inline(__always)
    static func columnSum(_ rows: UnsafePointer<UnsafePointer<Float>>, kernel k: UnsafePointer<Float>,
                          radius: Int, at x: Int) -> Float {
        var s = rows[radius][x] * k[radius]
        for j in 1...radius { s = s.addingProduct(rows[radius + j][x] + rows[radius - j][x], k[radius + j]) }
        return s
    }

    /// `convolveColumns` for the default 11-row block, with the row pointers and kernel taps held in
    /// locals (so the compiler keeps them in registers instead of reloading them after every store)
    /// and the rounding to bytes done in registers: the same operations in the same order, so the
    /// same bits.
    @inline(__always)
    static func convolveElevenRows(_ rows: UnsafePointer<UnsafePointer<Float>>, kernel k: UnsafePointer<Float>,
                                   width w: Int, sums: UnsafeMutablePointer<Float>, into mean: UnsafeMutablePointer<UInt8>) {
        let r0 = UnsafeRawPointer(rows[0]), r1 = UnsafeRawPointer(rows[1]), r2 = UnsafeRawPointer(rows[2])
        let r3 = UnsafeRawPointer(rows[3]), r4 = UnsafeRawPointer(rows[4]), r5 = UnsafeRawPointer(rows[5])
        let r6 = UnsafeRawPointer(rows[6]), r7 = UnsafeRawPointer(rows[7]), r8 = UnsafeRawPointer(rows[8])
        let r9 = UnsafeRawPointer(rows[9]), r10 = UnsafeRawPointer(rows[10])
        let k5 = SIMD8<Float>(repeating: k[5]), k6 = SIMD8<Float>(repeating: k[6]), k7 = SIMD8<Float>(repeating: k[7])
        let k8 = SIMD8<Float>(repeating: k[8]), k9 = SIMD8<Float>(repeating: k[9]), k10 = SIMD8<Float>(repeating: k[10])
        let zero = SIMD8<Float>(repeating: 0), top = SIMD8<Float>(repeating: 255), magic = SIMD8<Float>(repeating: 12_582_912)
        let out = UnsafeMutableRawPointer(mean)
        @inline(__always) func row(_ r: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
            r.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        }
        var x = 0
        while x &+ 8 <= w {
            let o = x &* 4
            var s = row(r5, o) * k5
            s = s.addingProduct(row(r6, o) + row(r4, o), k6)
            s = s.addingProduct(row(r7, o) + row(r3, o), k7)
            s = s.addingProduct(row(r8, o) + row(r2, o), k8)
            s = s.addingProduct(row(r9, o) + row(r1, o), k9)
            s = s.addingProduct(row(r10, o) + row(r0, o), k10)
            // As `roundToBytes`: the rounded value is the low byte of each lane's bits.
            let bytes = unsafeBitCast(s.replacing(with: zero, where: s .< zero).replacing(with: top, where: s .> top) + magic,
                                      to: SIMD32<UInt8>.self)
            out.storeBytes(of: SIMD8<UInt8>(bytes[0], bytes[4], bytes[8], bytes[12], bytes[16], bytes[20], bytes[24], bytes[28]),
                           toByteOffset: x, as: SIMD8<UInt8>.self)
            x &+= 8
        }
        guard x < w else { return }
        let tail = w - x
        for t in 0..<tail { sums[t] = columnSum(rows, kernel: k, radius: 5, at: x + t) }
        roundToBytes(sums, width: tail, into: mean + x)
    }

    /// Rounds `w` sums in [0, 255] (clamped first) half-to-even into bytes: adding 1.5·2²³ puts the
    /// rounded value in the low mantissa bits.
    @inline(__always)
    static func roundToBytes(_ sums: UnsafePointer<Float>, width w: Int, into mean: UnsafeMutablePointer<UInt8>) {
        for x in 0..<w {
            let clamped = min(max(sums[x], 0), 255) + 12_582_912
            mean[x] = UInt8(truncatingIfNeeded: clamped.bitPattern)
        }
    }

    // MARK: 4. morphologyEx(MORPH_OPEN, ones(2, 2))

    /// `cv2.morphologyEx(img, MORPH_OPEN, np.ones((2, 2)))`: erosion then dilation, both with
    /// OpenCV's default anchor (1, 1), i.e. both over rows y−1…y and columns x−1…x; pixels
    /// outside the image are ignored. Removes specks one pixel wide and shifts by one pixel,
    /// exactly as the reference did.
    public static func open2x2(_ image: GrayImage) -> GrayImage {
        let eroded = window2x2(image, combine: min)
        return window2x2(eroded, combine: max)
    }

    /// `out(x, y) = combine` over the pixels (x−1…x, y−1…y) that lie inside the image.
    @inline(__always)
    static func window2x2(_ image: GrayImage, combine: (UInt8, UInt8) -> UInt8) -> GrayImage {
        let w = image.width, h = image.height
        guard w > 0, h > 0 else { return image }
        var out = uninitializedBuffer(UInt8.self, count: w * h)
        var pairs = [UInt8](repeating: 0, count: 2 * w)
        image.pixels.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                pairs.withUnsafeMutableBufferPointer { pairBuf in
                    let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!
                    var previous = pairBuf.baseAddress!, current = previous + w
                    for y in 0..<h {
                        window2x2Row(src + y * w, previous: y == 0 ? nil : previous, current: current,
                                     into: dst + y * w, width: w, combine: combine)
                        swap(&previous, &current)
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// One row of the 2×2 window: `current[x] = combine(row[x−1], row[x])`, and the output is
    /// `combine(previous, current)` (just `current` on the first row, when `previous` is nil).
    @inline(__always)
    static func window2x2Row(_ row: UnsafePointer<UInt8>, previous: UnsafePointer<UInt8>?, current: UnsafeMutablePointer<UInt8>,
                             into d: UnsafeMutablePointer<UInt8>, width w: Int, combine: (UInt8, UInt8) -> UInt8) {
        current[0] = row[0]
        if w > 1 { for x in 1..<w { current[x] = combine(row[x &- 1], row[x]) } }
        if let previous {
            for x in 0..<w { d[x] = combine(previous[x], current[x]) }
        } else {
            d.update(from: current, count: w)
        }
    }

    // MARK: 5. resize, INTER_LINEAR

    /// `cv2.resize(img, (width, height), interpolation=INTER_LINEAR)` on 8 bits: OpenCV's
    /// 11-bit fixed-point bilinear (no anti-aliasing, aspect ratio not kept), including its
    /// switch to 2×2 area averaging when the source is exactly twice the target both ways.
    public static func resizeBilinear(_ image: GrayImage, width: Int, height: Int) throws(PreprocessingError) -> GrayImage {
        guard (1...PreprocessingLimits.maxTargetSide).contains(width),
              (1...PreprocessingLimits.maxTargetSide).contains(height) else {
            throw .invalidTargetSize(width: width, height: height)
        }
        guard image.pixelCount > 0 else { throw .emptyImage }
        let sw = image.width, sh = image.height
        if sw == width && sh == height { return image }
        let scaleX = 1 / (Double(width) / Double(sw)), scaleY = 1 / (Double(height) / Double(sh))
        if scaleX == 2 && scaleY == 2 { return halveByAreaAverage(image) }

        let xs = linearTaps(source: sw, target: width, scale: scaleX, clampPosition: true)
        let ys = linearTaps(source: sh, target: height, scale: scaleY, clampPosition: false)
        var pixels = uninitializedBuffer(UInt8.self, count: width * height)
        let out = KernelOutput(taking: &pixels)
        withPointers(image.pixels, out) { src, dst in
            resizeRows(sourceWidth: sw, sourceHeight: sh, xs: xs, ys: ys, into: dst, width: width, height: height) { src + $0 * sw }
        }
        return GrayImage(width: width, height: height, pixels: out.take())
    }

    /// The rows of a bilinear resize from `sourceRow(r)` (source rows of `sourceWidth` pixels, asked
    /// for in ascending order) into `dst`: each output row blends two horizontally resized source rows,
    /// kept from the previous output row when possible (r0 is r1 or r1 − 1).
    static func resizeRows(sourceWidth sw: Int, sourceHeight sh: Int, xs: (index: [Int32], weights: [Int16]),
                           ys: (index: [Int32], weights: [Int16]), into dst: UnsafeMutablePointer<UInt8>,
                           width: Int, height: Int, sourceRow: (Int) -> UnsafePointer<UInt8>) {
        let buffers = KernelOutput<Int32>(repeating: 0, count: 2 * width)
        withPointers(xs.index, xs.weights, buffers) { xIndex, xWeights, rows in
            var rowA = rows, rowB = rowA + width
            var rowAIndex = -1, rowBIndex = -1
            func horizontal(_ sy: Int, into d: UnsafeMutablePointer<Int32>) {
                resizeRowHorizontally(sourceRow(sy), sourceWidth: sw, index: xIndex, weights: xWeights, into: d, width: width)
            }
            for y in 0..<height {
                let sy = Int(ys.index[y])
                let r0 = min(max(sy, 0), sh - 1), r1 = min(max(sy + 1, 0), sh - 1)
                if rowAIndex != r0 {
                    if rowBIndex == r0 { swap(&rowA, &rowB); swap(&rowAIndex, &rowBIndex) }
                    else { horizontal(r0, into: rowA); rowAIndex = r0 }
                }
                if rowBIndex != r1 { horizontal(r1, into: rowB); rowBIndex = r1 }
                resizeRowsVertically(rowA, rowB, b0: Int32(ys.weights[2 * y]), b1: Int32(ys.weights[2 * y + 1]),
                                     into: dst + y * width, width: width)
            }
        }
    }

    /// OpenCV's horizontal pass: `D[x] = S[i]·a0 + S[i+1]·a1` in Int32 (11-bit weights).
    @inline(__always)
    static func resizeRowHorizontally(_ s: UnsafePointer<UInt8>, sourceWidth sw: Int, index: UnsafePointer<Int32>,
                                      weights: UnsafePointer<Int16>, into d: UnsafeMutablePointer<Int32>, width: Int) {
        for x in 0..<width {
            let i = Int(index[x])
            let a0 = Int32(weights[2 &* x]), a1 = Int32(weights[2 &* x &+ 1])
            let i1 = min(i &+ 1, sw &- 1)
            d[x] = Int32(s[i]) &* a0 &+ Int32(s[i1]) &* a1
        }
    }

    /// OpenCV's vectorised vertical pass: `((((D0 >> 4)·b0) >> 16) + (((D1 >> 4)·b1) >> 16) + 2) >> 2`.
    @inline(__always)
    static func resizeRowsVertically(_ rowA: UnsafePointer<Int32>, _ rowB: UnsafePointer<Int32>, b0: Int32, b1: Int32,
                                     into d: UnsafeMutablePointer<UInt8>, width: Int) {
        for x in 0..<width {
            let v = (((rowA[x] &>> 4) &* b0) &>> 16) &+ (((rowB[x] &>> 4) &* b1) &>> 16) &+ 2
            d[x] = saturatedByte(v &>> 2)
        }
    }

    /// Source index and the two 11-bit weights of every target coordinate, as OpenCV computes
    /// them: `f = Float((d + 0.5)·scale − 0.5)`, weights `round(2048·(1 − f))`, `round(2048·f)`.
    /// Along x the position is clamped into the image; along y OpenCV clamps the rows only.
    static func linearTaps(source: Int, target: Int, scale: Double, clampPosition: Bool) -> (index: [Int32], weights: [Int16]) {
        var index = [Int32](repeating: 0, count: target)
        var weights = [Int16](repeating: 0, count: 2 * target)
        for d in 0..<target {
            var f = Float((Double(d) + 0.5) * scale - 0.5)
            var s = Int(f.rounded(.down))
            f -= Float(s)
            if clampPosition {
                if s < 0 { s = 0; f = 0 }
                if s >= source - 1 { s = source - 1; f = 0 }
            }
            index[d] = Int32(s)
            weights[2 * d] = Int16((((1 as Float) - f) * 2048).rounded(.toNearestOrEven))
            weights[2 * d + 1] = Int16((f * 2048).rounded(.toNearestOrEven))
        }
        return (index, weights)
    }

    /// OpenCV's `INTER_AREA` fast path for an exact 2× reduction: `(a + b + c + d + 2) >> 2`.
    static func halveByAreaAverage(_ image: GrayImage) -> GrayImage {
        let w = image.width / 2, h = image.height / 2, sw = image.width
        var out = uninitializedBuffer(UInt8.self, count: w * h)
        image.pixels.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!
                for y in 0..<h {
                    let top = src + 2 * y * sw
                    halveRows(top, top + sw, into: dst + y * w, width: w)
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// One output row of the 2× area reduction from two source rows.
    @inline(__always)
    static func halveRows(_ top: UnsafePointer<UInt8>, _ bottom: UnsafePointer<UInt8>, into d: UnsafeMutablePointer<UInt8>, width w: Int) {
        for x in 0..<w {
            let s = UInt16(top[2 &* x]) &+ UInt16(top[2 &* x &+ 1]) &+ UInt16(bottom[2 &* x]) &+ UInt16(bottom[2 &* x &+ 1]) &+ 2
            d[x] = UInt8(truncatingIfNeeded: s &>> 2)
        }
    }

    // MARK: 6. Float32 network input

    /// `Float32(v) / 255` for every pixel, row-major: the H×W×1 (NHWC) network input.
    public static func normalizedFloats(_ image: GrayImage) -> [Float] {
        var out = uninitializedBuffer(Float.self, count: image.pixelCount)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = Float(src[i]) / 255 }
            }
        }
        return out
    }

    // MARK: Helpers

    /// An array for a kernel that writes every element: skips zero-filling megabytes that are
    /// overwritten at once (only for trivial element types).
    @inline(__always)
    static func uninitializedBuffer<T: BitwiseCopyable>(_: T.Type, count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// OpenCV's `BORDER_REFLECT_101` index (`…c b | a b c d | c b…`); a one-pixel line reflects onto itself.
    @inline(__always)
    static func reflect101(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        if i < 0 { return -i }
        if i >= n { return 2 * n - 2 - i }
        return i
    }

    @inline(__always)
    static func saturatedByte(_ v: Float) -> UInt8 {
        v <= 0 ? 0 : (v >= 255 ? 255 : UInt8(v))
    }

    @inline(__always)
    static func saturatedByte(_ v: Int32) -> UInt8 {
        v <= 0 ? 0 : (v >= 255 ? 255 : UInt8(truncatingIfNeeded: v))
    }
}
