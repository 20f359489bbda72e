import Imaging
import KernelPointers

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
        let delta = Int32(c.rounded(.down))

        // Resize plan (mirrors SeedStages.resizeBilinear).
        let identity = w == width && h == height
        let scaleX = 1 / (Double(width) / Double(w)), scaleY = 1 / (Double(height) / Double(h))
        let halving = !identity && scaleX == 2 && scaleY == 2
        let xs = SeedStages.linearTaps(source: w, target: width, scale: scaleX, clampPosition: true)
        let ys = SeedStages.linearTaps(source: h, target: height, scale: scaleY, clampPosition: false)

        var pixels = SeedStages.uninitializedBuffer(UInt8.self, count: width * height)
        let out = KernelOutput(taking: &pixels)
        withPointers(gray.pixels, lut, kernel, out) { src, table, k, dst in
            var rows = SeedRowStream(src: src, width: w, height: h, table: table, kernel: k, blockSize: blockSize, delta: delta)
            defer { rows.deallocate() }
            if identity {
                for y in 0..<h { (dst + y * w).update(from: rows.openedRow(y), count: w) }
            } else if halving {
                for y in 0..<height {
                    SeedStages.halveRows(rows.openedRow(2 * y), rows.openedRow(2 * y + 1), into: dst + y * width, width: width)
                }
            } else {
                SeedStages.resizeRows(sourceWidth: w, sourceHeight: h, xs: xs, ys: ys, into: dst, width: width,
                                      height: height) { rows.openedRow($0) }
            }
        }
        return GrayImage(width: width, height: height, pixels: out.take())
    }
}
