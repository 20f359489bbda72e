/// An 8-bit, single-channel image in row-major order: the one pixel type every stage of the
/// data path hands to the next (decoders produce it, preprocessing transforms it, PNG encodes it).
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `height` rows of `width` bytes each, top row first.
    public var pixels: [UInt8]

    /// Wraps existing pixels; the count must be `width * height`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height,
                     "GrayImage: \(pixels.count) pixels do not fill \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A `width`×`height` image filled with `value`.
    public init(width: Int, height: Int, filledWith value: UInt8 = 0) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: value, count: width * height))
    }

    public var pixelCount: Int { width * height }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
}
