import CImageShims

/// Versions of the image libraries the decoders link against, for `sigverify info` and bug reports.
public enum ImagingLibraries {
    /// libpng's version as the loaded library reports it, e.g. "1.6.39".
    public static var png: String { String(cString: sv_png_version()) }

    /// libtiff's version line as the loaded library reports it, e.g. "4.5.0" (the copyright lines dropped).
    public static var tiff: String {
        let banner = String(cString: sv_tiff_version())
        let firstLine = banner.split(separator: "\n").first.map(String.init) ?? banner
        let prefix = "LIBTIFF, Version "
        return firstLine.hasPrefix(prefix) ? String(firstLine.dropFirst(prefix.count)) : firstLine
    }

    /// libjpeg's version from the headers built against (libjpeg has no run-time version call),
    /// e.g. "libjpeg-turbo 2.1.5 (libjpeg API 62)".
    public static var jpeg: String {
        let api = "libjpeg API \(sv_jpeg_lib_version())"
        guard let turbo = sv_jpeg_turbo_version() else { return api }
        return "libjpeg-turbo \(String(cString: turbo)) (\(api))"
    }

    /// libdeflate's version from the headers built against (it has no run-time version call), e.g. "1.14".
    public static var deflate: String { String(cString: sv_deflate_version()) }
}
