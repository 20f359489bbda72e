import CImageShims

/// Writes a `GrayImage` as an 8-bit gray JPEG through libjpeg (lossy): for tests and tools that need
/// real JPEG bytes — e.g. a progressive file to build a scan-count bomb from — not for the data path.
public enum JPEGEncoder {
    public static func encode(_ image: GrayImage, quality: Int = 90, progressive: Bool = false) throws(ImagingError) -> [UInt8] {
        guard image.width > 0, image.height > 0, image.width <= 65_500, image.height <= 65_500 else {
            throw .encodingFailed(detail: "cannot encode a \(image.width)×\(image.height) image as JPEG (1…65500 per side)")
        }
        var data: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            sv_jpeg_encode_gray(pixels.baseAddress, UInt32(image.width), UInt32(image.height), Int32(min(max(quality, 1), 100)),
                                progressive ? 1 : 0, &data, &size, &message, message.count)
        }
        defer { sv_free(data) }
        guard status == 0, let data else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .encodingFailed(detail: text.isEmpty ? "libjpeg could not create the JPEG" : text)
        }
        return [UInt8](UnsafeBufferPointer(start: data, count: size))
    }
}
