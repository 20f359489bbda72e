import CFreeType
import Foundation

/// Why printed text could not be drawn.
public enum FontError: Error, CustomStringConvertible, Equatable {
    /// None of the DejaVu font files was found in the searched folders.
    case noFontsFound(searched: [String])
    /// A FreeType call failed with its error code.
    case freeType(call: String, code: Int32)

    public var description: String {
        switch self {
        case .noFontsFound(let dirs):
            return "no DejaVu TrueType fonts found in \(dirs.joined(separator: ", ")) — install the Debian package "
                + "fonts-dejavu-core (scripts/setup-deps.sh) or set SIGVERIFY_FONT_DIR to a folder holding DejaVuSans.ttf"
        case .freeType(let call, let code):
            return "FreeType \(call) failed with error \(code)"
        }
    }
}

/// The typefaces printed non-signatures are set in: the six faces of Debian's `fonts-dejavu-core`
/// (a sans, a serif and a monospace, each regular and bold) — enough variety for forms, letters,
/// stamps and typewritten pages.
public enum FontStyle: String, CaseIterable, Sendable {
    case sans, sansBold, serif, serifBold, mono, monoBold

    var fileName: String {
        switch self {
        case .sans: return "DejaVuSans.ttf"
        case .sansBold: return "DejaVuSans-Bold.ttf"
        case .serif: return "DejaVuSerif.ttf"
        case .serifBold: return "DejaVuSerif-Bold.ttf"
        case .mono: return "DejaVuSansMono.ttf"
        case .monoBold: return "DejaVuSansMono-Bold.ttf"
        }
    }
}

/// Renders text onto a `Canvas` with FreeType (anti-aliased, hinted glyphs at any size and angle).
/// FreeType handles are not thread-safe, so this is a class used by one thread at a time; make one
/// per worker thread. Faces are loaded once at initialisation.
public final class FontLibrary {
    /// Where fonts are looked for: `$SIGVERIFY_FONT_DIR` first, then the Debian/Ubuntu locations.
    public static var defaultDirectories: [String] {
        var dirs = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts",
                    "/opt/homebrew/share/fonts", "/Library/Fonts"]
        if let env = ProcessInfo.processInfo.environment["SIGVERIFY_FONT_DIR"], !env.isEmpty { dirs.insert(env, at: 0) }
        return dirs
    }

    private var library: FT_Library?
    private var faces: [FontStyle: FT_Face] = [:]

    /// The styles whose files were found (at least one, else `init` throws).
    public let styles: [FontStyle]

    public init(directories: [String] = FontLibrary.defaultDirectories) throws {
        var lib: FT_Library?
        let rc = FT_Init_FreeType(&lib)
        guard rc == 0, let lib else { throw FontError.freeType(call: "FT_Init_FreeType", code: rc) }
        library = lib
        var found: [FontStyle] = []
        for style in FontStyle.allCases {
            for dir in directories {
                let path = (dir as NSString).appendingPathComponent(style.fileName)
                guard FileManager.default.isReadableFile(atPath: path) else { continue }
                var face: FT_Face?
                if FT_New_Face(lib, path, 0, &face) == 0, let face {
                    faces[style] = face
                    found.append(style)
                    break
                }
            }
        }
        styles = found
        guard !found.isEmpty else {
            FT_Done_FreeType(lib)
            library = nil
            throw FontError.noFontsFound(searched: directories)
        }
    }

    deinit {
        for face in faces.values { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    /// `style` if it was found, else the first available one.
    private func face(_ style: FontStyle) -> FT_Face {
        faces[style] ?? faces[styles[0]]!
    }

    private func setSize(_ face: FT_Face, _ pixelSize: Double) throws {
        let rc = FT_Set_Char_Size(face, 0, FT_F26Dot6(max(1, pixelSize) * 64), 72, 72)
        guard rc == 0 else { throw FontError.freeType(call: "FT_Set_Char_Size", code: rc) }
    }

    /// The advance width in pixels of `text` set unrotated at `pixelSize` (em size in pixels).
    public func measure(_ text: String, style: FontStyle, pixelSize: Double) throws -> Double {
        let f = face(style)
        try setSize(f, pixelSize)
        FT_Set_Transform(f, nil, nil)
        var total: Int = 0
        for scalar in text.unicodeScalars {
            guard FT_Load_Char(f, FT_ULong(scalar.value), 0) == 0 else { continue }
            total += Int(f.pointee.glyph.pointee.advance.x)
        }
        return Double(total) / 64
    }

    /// Draws `text` with its baseline starting at `origin`, turned by `angle` radians (clockwise on
    /// screen, like `Vec2.rotated`), as ink of darkness `intensity`. Characters the font lacks are skipped.
    public func draw(_ text: String, style: FontStyle, pixelSize: Double, at origin: Vec2, angle: Double = 0,
                     intensity: Float = 1, on canvas: inout Canvas) throws {
        let f = face(style)
        try setSize(f, pixelSize)
        // FreeType works in y-up Cartesian space: a clockwise screen turn is a negative angle there.
        let c = cos(-angle), s = sin(-angle)
        var matrix = FT_Matrix(xx: FT_Fixed(c * 65536), xy: FT_Fixed(-s * 65536),
                               yx: FT_Fixed(s * 65536), yy: FT_Fixed(c * 65536))
        let h = canvas.height, w = canvas.width
        var pen = FT_Vector(x: FT_Pos(origin.x * 64), y: FT_Pos((Double(h) - origin.y) * 64))
        let flags = cft_load_render_flags()
        for scalar in text.unicodeScalars {
            FT_Set_Transform(f, &matrix, &pen)
            guard FT_Load_Char(f, FT_ULong(scalar.value), flags) == 0 else { continue }
            let slot = f.pointee.glyph.pointee
            let bitmap = slot.bitmap
            let rows = Int(bitmap.rows), cols = Int(bitmap.width), pitch = Int(bitmap.pitch)
            if let buffer = bitmap.buffer, rows > 0, cols > 0 {
                let left = Int(slot.bitmap_left), top = h - Int(slot.bitmap_top)
                canvas.ink.withUnsafeMutableBufferPointer { ink in
                    for r in 0..<rows {
                        let y = top + r
                        guard y >= 0, y < h else { continue }
                        let src = buffer + (pitch >= 0 ? r * pitch : (rows - 1 - r) * -pitch)
                        for col in 0..<cols {
                            let x = left + col
                            guard x >= 0, x < w else { continue }
                            let v = Float(src[col]) * (intensity / 255)
                            if v > ink[y * w + x] { ink[y * w + x] = v }
                        }
                    }
                }
            }
            pen.x += slot.advance.x
            pen.y += slot.advance.y
        }
        FT_Set_Transform(f, nil, nil)
    }
}
