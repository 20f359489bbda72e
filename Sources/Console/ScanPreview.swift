import Imaging

/// A scan as the browser can show it whatever its format (TIFF, BMP, PNM included): decoded as
/// the worker decodes it (grayscale, within a pixel and time budget), averaged down to at most
/// `side` pixels on its longer side, and re-encoded as PNG. The submitted bytes are never sent
/// as they are, so no content type is taken from the submitter.
enum ScanPreview {
    static func png(_ bytes: [UInt8], page: Int, maxPixels: Int, side: Int) throws(ImagingError) -> [UInt8] {
        let decoder = ImageDecoder(options: DecodeOptions(maxPixels: maxPixels, page: page, maxDecodeSeconds: 10))
        return try PNGEncoder.encode(shrink(try decoder.decode(bytes), side: side))
    }

    /// Averages `factor`×`factor` blocks, the smallest whole factor that fits `side`.
    static func shrink(_ image: GrayImage, side: Int) -> GrayImage {
        let factor = (max(image.width, image.height) + side - 1) / max(1, side)
        guard factor > 1 else { return image }
        let width = (image.width + factor - 1) / factor, height = (image.height + factor - 1) / factor
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            let rows = (y * factor)..<min(image.height, (y + 1) * factor)
            for x in 0..<width {
                let columns = (x * factor)..<min(image.width, (x + 1) * factor)
                var sum = 0
                for row in rows { for column in columns { sum += Int(image.pixels[row * image.width + column]) } }
                pixels[y * width + x] = UInt8(sum / (rows.count * columns.count))
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }
}
