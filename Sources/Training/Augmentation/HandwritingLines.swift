import Imaging
import Preprocessing

/// Handwriting that is not a signature, made of real handwriting: the ink of several real
/// signatures by different writers set side by side as the words of a line (three to six of them,
/// so a line runs far longer than any one signature), sometimes two or three such lines stacked as
/// a note. A back office's wrong crops of handwritten forms and letters look like this, and the
/// strokes are real pens on real scanners — unlike drawn or typeset negatives, the classifier cannot
/// tell them from signatures by the stroke alone, only by what a signature is: one name, not a line.
public enum HandwritingLines {
    /// Words per line.
    public static let wordsPerLine = 3...6

    /// How many real scans one composite needs at most (lines × words).
    public static let maximumWords = 3 * wordsPerLine.upperBound

    /// A composite of `words` (gray scans of single signatures, in the order given): one line with
    /// probability 0.7, else two or three; nil when fewer than `wordsPerLine.lowerBound` words have ink.
    public static func compose<G: RandomNumberGenerator>(_ words: [GrayImage], using rng: inout G) -> GrayImage? {
        let height = Int(rng.uniform(36, 72))
        var inks = words.compactMap { inkCrop($0) }.compactMap { scaled($0, toHeight: height, using: &rng) }
        guard inks.count >= wordsPerLine.lowerBound else { return nil }
        let lineCount = rng.chance(0.7) ? 1 : rng.integer(in: 2...3)
        var lines: [[GrayImage]] = []
        for _ in 0..<lineCount where inks.count >= wordsPerLine.lowerBound {
            let n = min(inks.count, rng.integer(in: wordsPerLine))
            lines.append(Array(inks.prefix(n)))
            inks.removeFirst(n)
        }
        return layout(lines, height: height, using: &rng)
    }

    /// The words of each line left to right with word gaps, lines one under the other, on white paper
    /// with a margin; overlapping ink keeps the darker pixel.
    static func layout<G: RandomNumberGenerator>(_ lines: [[GrayImage]], height: Int, using rng: inout G) -> GrayImage {
        var placed: [(image: GrayImage, x: Int, y: Int)] = []
        var y = height / 2, width = 0
        for line in lines {
            var x = height / 2 + rng.integer(in: 0...(height / 2))
            var lineHeight = 0
            for word in line {
                let jitter = rng.integer(in: -(height / 8)...(height / 8))
                placed.append((word, x, max(0, y + jitter)))
                x += word.width + Int(Double(height) * rng.uniform(0.3, 0.9))
                lineHeight = max(lineHeight, word.height + jitter)
            }
            width = max(width, x + height / 2)
            y += max(lineHeight, Int(Double(height) * rng.uniform(1.2, 1.7)))
        }
        var canvas = GrayImage(width: width, height: y + height / 2, filledWith: 255)
        for (word, x0, y0) in placed {
            for row in 0..<word.height where y0 + row < canvas.height {
                for col in 0..<word.width where x0 + col < canvas.width {
                    let i = (y0 + row) * canvas.width + x0 + col
                    canvas.pixels[i] = min(canvas.pixels[i], word.pixels[row * word.width + col])
                }
            }
        }
        return canvas
    }

    /// The scan's ink with the paper made white: pixels above Otsu's level (clamped to 64…230) become
    /// 255, cropped to the ink's bounding box; nil for a scan without ink.
    static func inkCrop(_ image: GrayImage) -> GrayImage? {
        let level = UInt8(min(max(CleanStages.otsuThreshold(SeedStages.histogram(image)), 64), 230))
        var x0 = image.width, y0 = image.height, x1 = -1, y1 = -1
        for y in 0..<image.height {
            for x in 0..<image.width where image.pixels[y * image.width + x] <= level {
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        guard x1 >= x0, y1 >= y0 else { return nil }
        let w = x1 - x0 + 1, h = y1 - y0 + 1
        var pixels = [UInt8](repeating: 255, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let v = image.pixels[(y + y0) * image.width + x + x0]
                if v <= level { pixels[y * w + x] = v }
            }
        }
        return GrayImage(width: w, height: h, pixels: pixels)
    }

    /// `ink` resized (aspect kept) to about `height` rows, each word a little larger or smaller.
    static func scaled<G: RandomNumberGenerator>(_ ink: GrayImage, toHeight height: Int, using rng: inout G) -> GrayImage? {
        let h = max(4, Int(Double(height) * rng.uniform(0.75, 1.15)))
        let w = max(4, Int((Double(ink.width) * Double(h) / Double(ink.height)).rounded()))
        guard w <= 40 * h else { return nil }
        return try? CleanStages.resizeArea(ink, width: w, height: h)
    }
}
