import CImageShims

/// Writes a `GrayImage` as an 8-bit gray, non-interlaced PNG: lossless, so stage outputs written for
/// people to inspect can also be compared byte for byte after decoding.
public enum PNGEncoder {
    public static func encode(_ image: GrayImage) throws(ImagingError) -> [UInt8] {
        guard image.width > 0, image.height > 0 else {
            throw .encodingFailed(detail: "cannot encode an empty \(image.width)×\(image.height) image")
        }
        guard image.width <= 0x7FFF_FFFF, image.height <= 0x7FFF_FFFF else {
            throw .encodingFailed(detail: "\(image.width)×\(image.height) exceeds PNG's dimension limit")
        }
        var data: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            sv_png_encode_gray(pixels.baseAddress, UInt32(image.width), UInt32(image.height), &data, &size,
                               &message, message.count)
        }
        defer { sv_free(data) }
        guard status == 0, let data else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .encodingFailed(detail: text.isEmpty ? "libpng could not create the PNG" : text)
        }
        return [UInt8](UnsafeBufferPointer(start: data, count: size))
    }
}
