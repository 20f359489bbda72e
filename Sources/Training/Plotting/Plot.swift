import Foundation
import Imaging

/// One line of a line chart.
public struct PlotSeries: Sendable {
    public var name: String
    public var xs: [Double]
    public var ys: [Double]

    public init(name: String, xs: [Double], ys: [Double]) {
        self.name = name
        self.xs = xs
        self.ys = ys
    }

    /// y values at x = 1, 2, 3, … (e.g. one per epoch).
    public init(name: String, ys: [Double]) {
        self.init(name: name, xs: ys.indices.map { Double($0 + 1) }, ys: ys)
    }
}

/// Why a plot could not be drawn.
public enum PlotError: Error, CustomStringConvertible, Equatable {
    case noData(String)

    public var description: String {
        switch self {
        case .noData(let what): return "nothing to plot: \(what)"
        }
    }
}

/// Small report pictures — training curves, score histograms with the threshold marked and a
/// confusion matrix — drawn with the project's own rasteriser and FreeType text, as 8-bit gray
/// images for `PNGEncoder`. Series are told apart by line pattern (solid, dashed, dotted) rather
/// than colour.
public enum Plot {
    // MARK: Line chart

    /// Lines through each series' points, with axes, ticks, a legend and labels.
    public static func lineChart(title: String, xLabel: String, yLabel: String, series: [PlotSeries],
                                 logY: Bool = false, width: Int = 900, height: Int = 560, fonts: FontLibrary) throws -> GrayImage {
        let points = series.flatMap { s in zip(s.xs, s.ys).filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) } }
        guard !points.isEmpty else { throw PlotError.noData("series '\(title)' have no finite points") }
        var frame = try Frame(width: width, height: height, fonts: fonts)
        let tr: (Double) -> Double = logY ? { log10($0) } : { $0 }
        let xr = paddedRange(points.map(\.0), pad: 0)
        let yr = paddedRange(points.map { tr($0.1) }, pad: 0.05)
        // Whole-number x values (epochs) get whole-number ticks.
        let integerX = points.allSatisfy { $0.0 == $0.0.rounded() }
        try frame.axes(title: title, xLabel: xLabel, yLabel: yLabel + (logY ? " (log10)" : ""), x: xr, y: yr, integerX: integerX)
        var drawn: [[Vec2]] = []
        for (k, s) in series.enumerated() {
            let pts = zip(s.xs, s.ys).filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }
                .map { frame.map($0.0, tr($0.1)) }
            frame.stroke(pts, pattern: k, width: 2.2)
            if pts.count == 1 { frame.canvas.fillCircle(center: pts[0], radius: 3.5) }
            drawn.append(pts)
        }
        try frame.legend(series.map(\.name), avoiding: drawn)
        return frame.canvas.grayImage()
    }

    // MARK: Histogram

    /// Score histograms of valid and invalid images on shared bins, each class as an outlined
    /// step curve (valid solid and shaded, invalid dashed), with the threshold as a vertical line.
    public static func histogram(title: String, xLabel: String, valid: [Double], invalid: [Double], threshold: Double?,
                                 bins: Int = 30, width: Int = 900, height: Int = 560, fonts: FontLibrary) throws -> GrayImage {
        let all = (valid + invalid).filter(\.isFinite)
        guard !all.isEmpty else { throw PlotError.noData("no finite scores for '\(title)'") }
        let nb = max(1, bins)
        var lo = all.min()!, hi = all.max()!
        if let t = threshold, t.isFinite { lo = min(lo, t); hi = max(hi, t) }
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let bw = (hi - lo) / Double(nb)
        func counts(_ v: [Double]) -> [Double] {
            var c = [Double](repeating: 0, count: nb)
            for x in v where x.isFinite { c[min(nb - 1, max(0, Int((x - lo) / bw)))] += 1 }
            // Shares, so classes of different sizes compare.
            let n = max(1, c.reduce(0, +))
            return c.map { $0 / n }
        }
        let cv = counts(valid), ci = counts(invalid)
        var frame = try Frame(width: width, height: height, fonts: fonts)
        let top = max(cv.max() ?? 0, ci.max() ?? 0)
        try frame.axes(title: title, xLabel: xLabel, yLabel: "share of images", x: (lo, hi), y: (0, max(top * 1.1, 1e-9)))
        func steps(_ c: [Double]) -> [Vec2] {
            var p: [Vec2] = [frame.map(lo, 0)]
            for (i, v) in c.enumerated() {
                p.append(frame.map(lo + Double(i) * bw, v))
                p.append(frame.map(lo + Double(i + 1) * bw, v))
            }
            p.append(frame.map(hi, 0))
            return p
        }
        for (i, v) in cv.enumerated() where v > 0 {
            let a = frame.map(lo + Double(i) * bw, v), b = frame.map(lo + Double(i + 1) * bw, 0)
            frame.canvas.fillPolygon(Canvas.rectangle(origin: a, size: Vec2(b.x - a.x, b.y - a.y)), intensity: 0.22)
        }
        let sv = steps(cv), si = steps(ci)
        frame.stroke(sv, pattern: 0, width: 2)
        frame.stroke(si, pattern: 1, width: 2)
        var names = ["valid (n=\(valid.count))", "invalid (n=\(invalid.count))"]
        var avoid = [sv, si]
        if let t = threshold, t.isFinite {
            let a = frame.map(t, 0), b = frame.map(t, top * 1.1)
            frame.stroke([a, b], pattern: 2, width: 2.5)
            names.append("threshold " + String(format: "%.4g", t))
            avoid.append([a, b])
        }
        try frame.legend(names, avoiding: avoid)
        return frame.canvas.grayImage()
    }

    // MARK: Confusion matrix

    /// The 2×2 matrix of actual (rows) against predicted (columns) classes, each cell shaded by its
    /// share of the row and labelled with count and share.
    public static func confusionMatrix(title: String, _ m: ConfusionMatrix, width: Int = 640, height: Int = 560,
                                       fonts: FontLibrary) throws -> GrayImage {
        var canvas = Canvas(width: width, height: height)
        let w = Double(width), h = Double(height)
        let left = w * 0.3, top = h * 0.22, cell = min((w - left - 30) / 2, (h - top - 70) / 2)
        let style: FontStyle = .sans
        func centred(_ s: String, _ c: Vec2, _ size: Double, bold: Bool = false, angle: Double = 0) throws {
            let st: FontStyle = bold ? .sansBold : style
            let tw = try fonts.measure(s, style: st, pixelSize: size)
            let o = Vec2(c.x - tw / 2, c.y + size * 0.35).rotated(by: angle, about: c)
            try fonts.draw(s, style: st, pixelSize: size, at: o, angle: angle, on: &canvas)
        }
        try centred(title, Vec2(w / 2, 30), 22, bold: true)
        try centred("predicted", Vec2(left + cell, top - 48), 17)
        try centred("actual", Vec2(left - 110, top + cell), 17, angle: -Double.pi / 2)
        let rows: [(String, Int, Int)] = [("valid", m.truePositives, m.falseNegatives), ("invalid", m.falsePositives, m.trueNegatives)]
        for (c, name) in ["valid", "invalid"].enumerated() {
            try centred(name, Vec2(left + cell * (Double(c) + 0.5), top - 16), 17)
        }
        for (r, row) in rows.enumerated() {
            try centred(row.0, Vec2(left - 50, top + cell * (Double(r) + 0.5)), 17)
            let total = max(1, row.1 + row.2)
            for (c, n) in [row.1, row.2].enumerated() {
                let origin = Vec2(left + cell * Double(c), top + cell * Double(r))
                let share = Double(n) / Double(total)
                canvas.fillPolygon(Canvas.rectangle(origin: origin, size: Vec2(cell, cell)), intensity: Float(0.05 + 0.45 * share))
                canvas.strokePolygon(Canvas.rectangle(origin: origin, size: Vec2(cell, cell)), width: 1.5)
                let centre = origin + Vec2(cell / 2, cell / 2)
                try centred("\(n)", centre - Vec2(0, 14), 30, bold: true)
                try centred(String(format: "%.1f %%", share * 100), centre + Vec2(0, 22), 17)
            }
        }
        let summary = String(format: "accuracy %.3f   precision %.3f   recall %.3f   F1 %.3f", m.accuracy, m.precision, m.recall, m.f1)
        try centred(summary, Vec2(w / 2, min(h - 20, top + 2 * cell + 40)), 16)
        return canvas.grayImage()
    }

    // MARK: Ticks

    /// "Nice" tick values (1, 2 or 5 × 10ᵏ apart) covering [lo, hi], about `target` of them;
    /// `integer` keeps the step a whole number.
    public static func ticks(_ lo: Double, _ hi: Double, target: Int = 6, integer: Bool = false) -> (values: [Double], step: Double) {
        guard hi > lo, lo.isFinite, hi.isFinite else { return ([lo], 1) }
        var raw = (hi - lo) / Double(max(1, target))
        if integer { raw = max(1, raw) }
        let mag = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var v = (lo / step).rounded(.up) * step
        var out: [Double] = []
        while v <= hi + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return (out, step)
    }

    /// A tick label with as many decimals as the step needs (scientific for tiny/huge values).
    public static func tickLabel(_ v: Double, step: Double) -> String {
        if v != 0, abs(v) < 1e-3 || abs(v) >= 1e6 { return String(format: "%.2g", v) }
        let decimals = max(0, min(6, Int((-log10(step)).rounded(.up))))
        return String(format: "%.\(decimals)f", v)
    }

    static func paddedRange(_ v: [Double], pad: Double) -> (Double, Double) {
        var lo = v.min()!, hi = v.max()!
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let p = (hi - lo) * pad
        return (lo - p, hi + p)
    }
}

/// The plotting area of a chart: margins, data→pixel mapping, axes and legend.
struct Frame {
    var canvas: Canvas
    let fonts: FontLibrary
    let left: Double, right: Double, top: Double, bottom: Double
    var x: (Double, Double) = (0, 1)
    var y: (Double, Double) = (0, 1)

    init(width: Int, height: Int, fonts: FontLibrary) throws {
        canvas = Canvas(width: width, height: height)
        self.fonts = fonts
        left = 95
        right = Double(width) - 25
        top = 60
        bottom = Double(height) - 70
    }

    func map(_ vx: Double, _ vy: Double) -> Vec2 {
        Vec2(left + (vx - x.0) / (x.1 - x.0) * (right - left), bottom - (vy - y.0) / (y.1 - y.0) * (bottom - top))
    }

    mutating func text(_ s: String, at p: Vec2, size: Double, bold: Bool = false, angle: Double = 0) throws {
        try fonts.draw(s, style: bold ? .sansBold : .sans, pixelSize: size, at: p, angle: angle, on: &canvas)
    }

    func width(_ s: String, size: Double, bold: Bool = false) throws -> Double {
        try fonts.measure(s, style: bold ? .sansBold : .sans, pixelSize: size)
    }

    mutating func axes(title: String, xLabel: String, yLabel: String, x xr: (Double, Double), y yr: (Double, Double),
                       integerX: Bool = false) throws {
        x = xr
        y = yr
        let w = Double(canvas.width)
        try text(title, at: Vec2((w - (try width(title, size: 22, bold: true))) / 2, 36), size: 22, bold: true)
        // Grid and ticks.
        let xt = Plot.ticks(xr.0, xr.1, integer: integerX), yt = Plot.ticks(yr.0, yr.1)
        for v in xt.values {
            let p = map(v, yr.0)
            canvas.strokeSegment(Vec2(p.x, top), Vec2(p.x, bottom), width: 1, intensity: 0.12)
            canvas.strokeSegment(Vec2(p.x, bottom), Vec2(p.x, bottom + 6), width: 1.5)
            let s = Plot.tickLabel(v, step: xt.step)
            try text(s, at: Vec2(p.x - (try width(s, size: 14)) / 2, bottom + 24), size: 14)
        }
        for v in yt.values {
            let p = map(xr.0, v)
            canvas.strokeSegment(Vec2(left, p.y), Vec2(right, p.y), width: 1, intensity: 0.12)
            canvas.strokeSegment(Vec2(left - 6, p.y), Vec2(left, p.y), width: 1.5)
            let s = Plot.tickLabel(v, step: yt.step)
            try text(s, at: Vec2(left - 10 - (try width(s, size: 14)), p.y + 5), size: 14)
        }
        canvas.strokePolygon([Vec2(left, top), Vec2(right, top), Vec2(right, bottom), Vec2(left, bottom)], width: 1.5)
        try text(xLabel, at: Vec2((left + right - (try width(xLabel, size: 16))) / 2, bottom + 55), size: 16)
        let yw = try width(yLabel, size: 16)
        try text(yLabel, at: Vec2(24, (top + bottom + yw) / 2), size: 16, angle: -Double.pi / 2)
    }

    /// Line patterns: 0 solid, 1 dashed, 2 dotted, 3 dash-dot, then repeating with lighter ink.
    mutating func stroke(_ pts: [Vec2], pattern: Int, width: Double) {
        guard pts.count > 1 else { return }
        let intensity: Float = pattern < 4 ? 1 : 0.55
        let dashes: [Double]
        switch pattern % 4 {
        case 0: canvas.strokePolyline(pts, width: width, intensity: intensity); return
        case 1: dashes = [12, 7]
        case 2: dashes = [2.5, 5]
        default: dashes = [12, 5, 2.5, 5]
        }
        var k = 0, left = dashes[0], on = true
        for i in 0..<(pts.count - 1) {
            var a = pts[i]
            let b = pts[i + 1]
            var remaining = (b - a).length
            while remaining > 1e-9 {
                let step = min(left, remaining)
                let c = a.lerp(b, step / remaining)
                if on { canvas.strokeSegment(a, c, width: width, intensity: intensity) }
                a = c
                remaining -= step
                left -= step
                if left <= 1e-9 {
                    k = (k + 1) % dashes.count
                    left = dashes[k]
                    on.toggle()
                }
            }
        }
    }

    /// The legend box in whichever top corner hides less of the `avoiding` polylines.
    mutating func legend(_ names: [String], avoiding lines: [[Vec2]]) throws {
        var points: [Vec2] = []
        for line in lines {
            points += line.prefix(1)
            for (a, b) in zip(line, line.dropFirst()) {
                let n = max(1, Int((b - a).length / 4))
                for k in 1...n { points.append(a.lerp(b, Double(k) / Double(n))) }
            }
        }
        guard !names.isEmpty else { return }
        let size = 15.0, row = 22.0
        let textW = try names.map { try width($0, size: size) }.max()!
        let boxW = textW + 70, boxH = row * Double(names.count) + 12
        let y0 = top + 10
        func covered(_ x0: Double) -> Int {
            points.filter { $0.x >= x0 - 5 && $0.x <= x0 + boxW + 5 && $0.y >= y0 - 5 && $0.y <= y0 + boxH + 5 }.count
        }
        let rightX = right - boxW - 10, leftX = left + 10
        let x0 = covered(leftX) < covered(rightX) ? leftX : rightX
        // White backing: the legend is drawn over the plot, so clear what is under it first.
        for y in max(0, Int(y0))..<min(canvas.height, Int(y0 + boxH)) {
            for xx in max(0, Int(x0))..<min(canvas.width, Int(x0 + boxW)) { canvas.ink[y * canvas.width + xx] = 0 }
        }
        canvas.strokePolygon(Canvas.rectangle(origin: Vec2(x0, y0), size: Vec2(boxW, boxH)), width: 1)
        for (i, name) in names.enumerated() {
            let cy = y0 + 6 + row * (Double(i) + 0.5)
            stroke([Vec2(x0 + 10, cy), Vec2(x0 + 50, cy)], pattern: i, width: 2.2)
            try text(name, at: Vec2(x0 + 60, cy + 5), size: size)
        }
    }
}
