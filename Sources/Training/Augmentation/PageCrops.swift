import Imaging

/// Crops of a real non-signature the size and shape of a signature box: a line of a printed page,
/// a corner of a photo, a patch of texture. A back office's wrong crops are exactly this, and a
/// handful of real pages gives hundreds of them.
public enum PageCrops {
    /// `count` crops of `image`, each 1.5–4.5 times wider than high and 15–80 % of the image's width
    /// (at least 24 px high); the whole image when it is too small to crop.
    public static func crops<G: RandomNumberGenerator>(of image: GrayImage, count: Int, using rng: inout G) -> [GrayImage] {
        (0..<count).map { _ in crop(of: image, using: &rng) }
    }

    static func crop<G: RandomNumberGenerator>(of image: GrayImage, using rng: inout G) -> GrayImage {
        let aspect = rng.uniform(1.5, 4.5)
        var w = Int(Double(image.width) * rng.uniform(0.15, 0.8))
        var h = Int(Double(w) / aspect)
        if h > image.height { h = image.height; w = min(image.width, Int(Double(h) * aspect)) }
        guard w >= 24, h >= 24 else { return image }
        let x0 = rng.integer(in: 0...(image.width - w)), y0 = rng.integer(in: 0...(image.height - h))
        var pixels = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w { pixels[y * w + x] = image.pixels[(y + y0) * image.width + x + x0] }
        }
        return GrayImage(width: w, height: h, pixels: pixels)
    }
}
