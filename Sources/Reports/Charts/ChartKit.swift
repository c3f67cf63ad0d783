import Foundation

/// What every chart shares: SVG text, the Okabe-Ito colours (told apart with the common colour-vision
/// deficiencies), font sizes (never below 12 px), axes, scales and ticks. Charts are plain SVG 1.1 with
/// `<title>` tooltips: no script, no external fetch, the same bytes for the same input.
public enum ChartKit {
    /// Okabe & Ito (2008): blue, orange, bluish green, reddish purple, sky blue, vermillion, yellow, black.
    /// Yellow comes last: on white it is the hardest to see.
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
    public static let regression = "#D55E00"
    public static let improvement = "#009E73"
    public static let neutral = "#7A7A7A"
    public static let ink = "#222222"
    public static let grid = "#E3E3E3"

    static let tickFont = 13.0
    static let labelFont = 13.0
    static let axisTitleFont = 14.0
    static let titleFont = 16.0
    static let font = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""

    public static func color(_ i: Int) -> String { palette[i % palette.count] }

    /// XML text and attribute escaping.
    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Coordinates with at most two decimals, no "-0".
    static func n(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 100).rounded() / 100
        if r == 0 { return "0" }
        if abs(r) >= 1e15 { return String(format: "%.0f", r) }
        if r == r.rounded() { return String(Int(r)) }
        return String(format: "%.2f", r).replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
    }

    /// Width of `text` at `size` px, estimated (DejaVu Sans averages ~0.6 em per character).
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }

    static func text(_ s: String, x: Double, y: Double, size: Double = labelFont, anchor: String = "start",
                     weight: String? = nil, color: String = ink, rotate: Double? = nil, baseline: String? = nil) -> String {
        var attrs = "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" fill=\"\(color)\""
        if anchor != "start" { attrs += " text-anchor=\"\(anchor)\"" }
        if let weight { attrs += " font-weight=\"\(weight)\"" }
        if let baseline { attrs += " dominant-baseline=\"\(baseline)\"" }
        if let rotate { attrs += " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\"" }
        return "<text \(attrs)>\(escape(s))</text>"
    }

    /// `s` cut to about `width` px at `size`, with an ellipsis.
    static func fit(_ s: String, width: Double, size: Double = labelFont) -> String {
        let maxChars = Int(width / (size * 0.6))
        return s.count <= maxChars ? s : String(s.prefix(max(1, maxChars - 1))) + "…"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String = ink, width: Double = 1,
                     dash: String? = nil) -> String {
        "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(color)\" stroke-width=\"\(n(width))\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, title: String? = nil, opacity: Double? = nil) -> String {
        let o = opacity.map { " fill-opacity=\"\(n($0))\"" } ?? ""
        let shape = "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(0, w)))\" height=\"\(n(max(0, h)))\" fill=\"\(fill)\"\(o)"
        guard let title else { return shape + "/>" }
        return shape + "><title>\(escape(title))</title></rect>"
    }

    static func circle(_ x: Double, _ y: Double, r: Double, fill: String, title: String? = nil) -> String {
        let shape = "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" fill=\"\(fill)\""
        guard let title else { return shape + "/>" }
        return shape + "><title>\(escape(title))</title></circle>"
    }

    /// The document around a chart's elements, with its accessible name.
    static func document(width: Double, height: Double, title: String, body: [String]) -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" \(font)>\n"
        out += "<title>\(escape(title))</title>\n"
        out += rect(0, 0, width, height, fill: "#FFFFFF") + "\n"
        out += body.joined(separator: "\n") + "\n</svg>\n"
        return out
    }

    /// A legend row of coloured swatches and names starting at (x, y); returns the elements and its height.
    static func legend(_ entries: [(name: String, color: String)], x: Double, y: Double, maxWidth: Double) -> (elements: [String], height: Double) {
        var elements: [String] = []
        var cx = x, cy = y
        for e in entries {
            let w = 18 + textWidth(e.name, size: labelFont) + 18
            if cx + w > x + maxWidth, cx > x { cx = x; cy += 20 }
            elements.append(rect(cx, cy - 10, 12, 12, fill: e.color))
            elements.append(text(e.name, x: cx + 17, y: cy, size: labelFont))
            cx += w
        }
        return (elements, entries.isEmpty ? 0 : cy - y + 20)
    }
}

/// A value axis: linear or logarithmic, with "nice" ticks.
public struct Scale: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case linear, log10, log2 }
    public var kind: Kind
    public var lower: Double
    public var upper: Double

    /// A scale over `values` (finite; positive for log scales), padded to whole ticks.
    public static func fitting(_ values: [Double], kind: Kind, includeZero: Bool = false) -> Scale {
        // Values a chart can place: beyond 1e18 (or, on a log scale, below 1e-12) the axis would be unreadable
        // and its tick arithmetic overflow. Results files hold samples within ±1e15.
        let v = values.filter { $0.isFinite && abs($0) <= 1e18 && (kind == .linear || $0 >= 1e-12) }
        guard var lo = v.min(), var hi = v.max() else { return Scale(kind: kind, lower: kind == .linear ? 0 : 1, upper: 10) }
        switch kind {
        case .linear:
            if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
            if lo == hi { lo -= abs(lo) * 0.1 + 1; hi += abs(hi) * 0.1 + 1 }
            let step = Scale.niceStep((hi - lo) / 5)
            return Scale(kind: kind, lower: (lo / step).rounded(.down) * step, upper: (hi / step).rounded(.up) * step)
        case .log10:
            return Scale(kind: kind, lower: pow(10, log10(lo).rounded(.down)), upper: pow(10, max(log10(hi).rounded(.up), log10(lo).rounded(.down) + 1)))
        case .log2:
            return Scale(kind: kind, lower: pow(2, log2(lo).rounded(.down)), upper: pow(2, max(log2(hi).rounded(.up), log2(lo).rounded(.down) + 1)))
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = pow(10, log10(raw).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * p >= raw { return m * p }
        return 10 * p
    }

    /// Position of `value` in 0...1 (clamped).
    public func fraction(_ value: Double) -> Double {
        let f: Double
        switch kind {
        case .linear: f = (value - lower) / (upper - lower)
        case .log10: f = value > 0 ? (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) : 0
        case .log2: f = value > 0 ? (log2(value) - log2(lower)) / (log2(upper) - log2(lower)) : 0
        }
        return min(1, max(0, f))
    }

    /// Tick values and their labels.
    public var ticks: [(value: Double, label: String)] {
        switch kind {
        case .linear:
            let step = Scale.niceStep((upper - lower) / 6)
            // As many decimals as the step needs (0.05 -> 2), so neighbouring ticks never read the same.
            let decimals = min(12, max(0, Int((-log10(step)).rounded(.up))))
            var out: [(Double, String)] = []
            var k = (lower / step).rounded(.up)
            while k * step <= upper + step * 1e-9 {
                let v = abs(k * step) < step * 1e-9 ? 0 : k * step
                out.append((v, step >= 1 ? Scale.label(v) : String(format: "%.\(decimals)f", v)))
                k += 1
            }
            return out
        case .log10:
            var out: [(Double, String)] = []
            guard lower > 0, upper.isFinite, lower < upper else { return [] }
            let decades = min(1000, Int((log10(upper) - log10(lower)).rounded()))
            var p = lower
            while p <= upper * 1.0001 {
                out.append((p, Scale.label(p)))
                if decades <= 3 {
                    for m in [2.0, 5] where p * m < upper { out.append((p * m, Scale.label(p * m))) }
                }
                p *= 10
            }
            return out
        case .log2:
            var out: [(Double, String)] = []
            guard lower > 0, upper.isFinite, lower < upper else { return [] }
            var p = lower
            while p <= upper * 1.0001 { out.append((p, Scale.label(p))); p *= 2 }
            return out
        }
    }

    /// 1.5k, 20, 0.5, 2M: short tick labels.
    static func label(_ v: Double) -> String {
        let a = abs(v)
        func trim(_ x: Double) -> String {
            guard abs(x) < 1e6 else { return String(format: "%.3g", x) }
            return x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x)
        }
        if !v.isFinite { return "\(v)" }
        if a >= 1e12 { return trim(v / 1e12) + "T" }
        if a >= 1e9 { return trim(v / 1e9) + "G" }
        if a >= 1e6 { return trim(v / 1e6) + "M" }
        if a >= 1e4 { return trim(v / 1e3) + "k" }
        if a >= 1 || a == 0 { return trim(v) }
        return String(format: "%g", v)
    }
}
