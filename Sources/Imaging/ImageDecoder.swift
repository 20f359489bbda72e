import CImageShims
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Limits and choices for one decode.
public struct DecodeOptions: Sendable {
    /// The default pixel limit: 100 megapixels. An A3 page scanned at 600 dpi is ≈ 70 MP and an A4
    /// page ≈ 35 MP, so every real scan fits, while a decompression bomb is refused from its header
    /// before allocation; the worst transient memory at the limit stays ≈ 0.5 GB (RGBA TIFF pages).
    public static let defaultMaxPixels = 100_000_000

    /// The default scan limit for progressive JPEGs: a real one has about 10 scans (libjpeg's
    /// default script has 6 for gray, 10 for colour); a file with thousands of repeated refinement
    /// scans costs seconds of CPU per thousand scans while staying a few hundred KB.
    public static let defaultMaxJPEGScans = 1000

    /// Largest `width × height` accepted; checked against the header before any pixel memory is allocated.
    public var maxPixels: Int
    /// 0-based page of a multi-page TIFF; other formats have only page 0.
    public var page: Int
    /// Seconds a PNG, JPEG or TIFF decode may run (nil: no limit), checked during the decode — between
    /// rows, strips, tiles and JPEG scans — which is then stopped (`decodeTimeLimit`).
    public var maxDecodeSeconds: Double?
    /// Scans a JPEG may have (`tooManyScans` beyond), checked as each scan starts.
    public var maxJPEGScans: Int
    /// 0: decode at full size. Otherwise a JPEG may be decoded with libjpeg-turbo's DCT scaling (1/2,
    /// 1/4, 1/8: the smallest whose long side stays at least this), for a preprocessing profile that
    /// reduces the scan to this working size anyway (`PreprocessingProfile.decodeOptions`). Other
    /// formats always decode at full size.
    public var jpegScalingFloor = 0

    public init(maxPixels: Int = DecodeOptions.defaultMaxPixels, page: Int = 0, maxDecodeSeconds: Double? = nil,
                maxJPEGScans: Int = DecodeOptions.defaultMaxJPEGScans) {
        self.maxPixels = maxPixels
        self.page = page
        self.maxDecodeSeconds = maxDecodeSeconds
        self.maxJPEGScans = maxJPEGScans
    }

    /// The limits as the C shims take them.
    var shimLimits: sv_limits {
        sv_limits(max_pixels: UInt64(max(0, maxPixels)), max_seconds: max(0, maxDecodeSeconds ?? 0),
                  max_scans: UInt32(clamping: max(0, maxJPEGScans)))
    }
}

/// Decodes a scan (PNG, JPEG, TIFF, BMP, PNM — chosen by magic bytes) to the 8-bit gray image
/// `cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2GRAY)` gives, pixel for pixel.
public struct ImageDecoder: Sendable {
    public let options: DecodeOptions

    public init(options: DecodeOptions = DecodeOptions()) {
        self.options = options
    }

    /// Decodes in-memory file bytes (e.g. a `bytea` from the job queue).
    public func decode(_ bytes: [UInt8]) throws(ImagingError) -> GrayImage {
        guard !bytes.isEmpty else { throw .emptyInput }
        guard let format = ImageFormat.sniff(bytes) else {
            let hex = bytes.prefix(8).map { byte -> String in
                let digits = String(byte, radix: 16)
                return byte < 16 ? "0" + digits : digits
            }
            throw .unsupportedFormat(hint: hex.joined(separator: " "))
        }
        let limit = max(0, options.maxPixels)
        if format != .tiff && options.page != 0 {
            throw .pageOutOfRange(page: options.page, pageCount: 1)
        }
        var limits = options.shimLimits
        switch format {
        case .png:
            return try run(format) { sv_png_decode(bytes, bytes.count, &limits, &$0) }
        case .jpeg:
            let floor = UInt32(clamping: max(0, options.jpegScalingFloor))
            return try run(format) { sv_jpeg_decode(bytes, bytes.count, &limits, floor, &$0) }
        case .tiff:
            guard options.page >= 0, options.page <= Int(UInt32.max) else {
                throw .pageOutOfRange(page: options.page, pageCount: Self.tiffPageCount(bytes))
            }
            let page = UInt32(options.page)
            return try run(format) { sv_tiff_decode(bytes, bytes.count, &limits, page, &$0) }
        case .bmp:
            return try BMPDecoder.decode(bytes, maxPixels: limit)
        case .pnm:
            return try PNMDecoder.decode(bytes, maxPixels: limit)
        }
    }

    /// Number of pages (image directories) of a TIFF, as libtiff counts them.
    static func tiffPageCount(_ bytes: [UInt8]) -> Int {
        var result = sv_result()
        var limits = sv_limits(max_pixels: 0, max_seconds: 0, max_scans: 0)
        sv_tiff_decode(bytes, bytes.count, &limits, UInt32.max, &result)
        defer { sv_free(result.pixels) }
        return Int(result.page_count)
    }

    /// Reads the file at `path` and decodes its bytes.
    public func decode(contentsOf path: String) throws(ImagingError) -> GrayImage {
        try decode(Self.readFile(path))
    }

    /// Runs one C shim decode and turns its result into a `GrayImage` or a typed error,
    /// applying any EXIF orientation the shim found.
    private func run(_ format: ImageFormat, _ body: (inout sv_result) -> Void) throws(ImagingError) -> GrayImage {
        let limit = max(0, options.maxPixels)
        var result = sv_result()
        body(&result)
        defer {
            sv_free(result.pixels)
            sv_free(result.exif)
        }
        let message = withUnsafeBytes(of: result.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch Int(result.status) {
        case SV_OK:
            break
        case SV_TRUNCATED:
            throw .truncated(format: format, detail: message)
        case SV_TOO_LARGE:
            throw .tooLarge(width: Int(result.width), height: Int(result.height), limit: limit)
        case SV_NO_MEMORY:
            throw .outOfMemory(format: format)
        case SV_PAGE_OUT_OF_RANGE:
            throw .pageOutOfRange(page: Int(result.width), pageCount: Int(result.page_count))
        case SV_UNSUPPORTED:
            throw .unsupportedVariant(format: format, detail: message)
        case SV_OVER_TIME:
            throw .decodeTimeLimit(format: format, seconds: result.seconds, limit: options.maxDecodeSeconds ?? 0)
        case SV_TOO_MANY_SCANS:
            throw .tooManyScans(limit: options.maxJPEGScans)
        default:
            throw .corrupt(format: format, detail: message.isEmpty ? "decoder failed" : message)
        }
        let width = Int(result.width), height = Int(result.height)
        guard let source = result.pixels else { throw .corrupt(format: format, detail: "decoder returned no pixels") }
        let pixels = [UInt8](UnsafeBufferPointer(start: source, count: width * height))
        var image = GrayImage(width: width, height: height, pixels: pixels)
        if let exif = result.exif, result.exif_size > 0,
           let orientation = ExifOrientation.value(inExif: UnsafeRawBufferPointer(start: exif, count: result.exif_size)) {
            image = ExifOrientation.apply(orientation, to: image)
        }
        return image
    }

    /// The whole file, or `unreadableFile` with the operating system's reason.
    static func readFile(_ path: String) throws(ImagingError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .unreadableFile(path: path, reason: "is a directory") }
        var bytes = [UInt8]()
        bytes.reserveCapacity(max(0, Int(info.st_size)))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}
