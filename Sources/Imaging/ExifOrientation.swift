/// EXIF orientation, read the way OpenCV's `ExifReader` reads it and applied the way `imread`
/// applies it, so rotated phone/scanner JPEGs come out upright exactly as in the reference.
enum ExifOrientation {
    /// The orientation value (1…8 meaningful; anything else leaves the image alone) from a TIFF-structured
    /// EXIF block, or nil when there is none. Mirrors OpenCV: only IFD0 is read, the value is the
    /// first 16 bits of the entry's value field whatever its declared type, and entries parsed before a
    /// malformed one are kept.
    static func value(inExif data: UnsafeRawBufferPointer) -> UInt16? {
        let count = data.count
        guard count >= 2, data[0] == data[1], data[0] == UInt8(ascii: "I") || data[0] == UInt8(ascii: "M")
        else { return nil }
        let little = data[0] == UInt8(ascii: "I")
        struct OutOfBounds: Error {}
        func u16(_ offset: Int) throws(OutOfBounds) -> UInt16 {
            guard offset >= 0, offset + 1 < count else { throw OutOfBounds() }
            let a = UInt16(data[offset]), b = UInt16(data[offset + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ offset: Int) throws(OutOfBounds) -> UInt32 {
            guard offset >= 0, offset + 3 < count else { throw OutOfBounds() }
            let a = UInt32(data[offset]), b = UInt32(data[offset + 1])
            let c = UInt32(data[offset + 2]), d = UInt32(data[offset + 3])
            return little ? a | b << 8 | c << 16 | d << 24 : a << 24 | b << 16 | c << 8 | d
        }
        func rationals(_ entry: Int, _ n: Int) throws(OutOfBounds) {
            var offset = try u32(entry + 8)
            for _ in 0..<n {
                _ = try u32(Int(offset)); _ = try u32(Int(offset &+ 4))
                offset = offset &+ 8
            }
        }
        var orientation: UInt16?
        do throws(OutOfBounds) {
            guard try u16(2) == 0x002A else { return nil }
            var offset = try u32(4)
            let entries = Int(try u16(Int(offset)))
            offset = offset &+ 2
            for _ in 0..<entries {
                let entry = Int(offset)
                let tag = try u16(entry)
                switch tag {
                case 0x0112:  // Orientation: the first occurrence wins (std::map::insert)
                    let value = try u16(entry + 8)
                    if orientation == nil { orientation = value }
                case 0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x8298:  // ASCII fields
                    let size = Int(try u32(entry + 4))
                    let dataOffset = size > 4 ? Int(try u32(entry + 8)) : 8
                    if dataOffset > count || dataOffset + size > count { throw OutOfBounds() }
                case 0x011A, 0x011B: try rationals(entry, 1)
                case 0x013E: try rationals(entry, 2)
                case 0x013F, 0x0214: try rationals(entry, 6)
                case 0x0211: try rationals(entry, 3)
                case 0x0128, 0x0213: _ = try u16(entry + 8)
                default: break
                }
                offset = offset &+ 12
            }
        } catch {
            return orientation
        }
        return orientation
    }

    /// Applies orientation 1…8 (OpenCV's `ExifTransform`: flips and a transpose).
    static func apply(_ orientation: UInt16, to image: GrayImage) -> GrayImage {
        switch orientation {
        case 2: return transformed(image, transpose: false, flipX: true, flipY: false)
        case 3: return transformed(image, transpose: false, flipX: true, flipY: true)
        case 4: return transformed(image, transpose: false, flipX: false, flipY: true)
        case 5: return transformed(image, transpose: true, flipX: false, flipY: false)
        case 6: return transformed(image, transpose: true, flipX: true, flipY: false)
        case 7: return transformed(image, transpose: true, flipX: true, flipY: true)
        case 8: return transformed(image, transpose: true, flipX: false, flipY: true)
        default: return image
        }
    }

    /// `dst = flip(transpose?(src))`: output pixel (x, y) reads the (optionally transposed) source at
    /// the mirrored coordinates.
    private static func transformed(_ image: GrayImage, transpose: Bool, flipX: Bool, flipY: Bool) -> GrayImage {
        let w = transpose ? image.height : image.width
        let h = transpose ? image.width : image.height
        let sw = image.width
        let pixels = [UInt8](unsafeUninitializedCapacity: w * h) { out, initialized in
            image.pixels.withUnsafeBufferPointer { src in
                for y in 0..<h {
                    let ty = flipY ? h - 1 - y : y
                    let row = y * w
                    if transpose {
                        // transposed(tx, ty) = src(ty, tx)
                        for x in 0..<w {
                            let tx = flipX ? w - 1 - x : x
                            out[row + x] = src[tx * sw + ty]
                        }
                    } else {
                        let srow = ty * sw
                        for x in 0..<w {
                            out[row + x] = src[srow + (flipX ? w - 1 - x : x)]
                        }
                    }
                }
            }
            initialized = w * h
        }
        return GrayImage(width: w, height: h, pixels: pixels)
    }
}
