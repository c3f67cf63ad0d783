import Foundation

/// Lines with point markers: event size against cost (log axes), or a benchmark's history against run index
/// with its interquartile band and its change points marked as labelled vertical lines.
public struct LineChart: Sendable {
    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        public var lower: Double?
        public var upper: Double?
        /// The tooltip.
        public var label: String
        public init(x: Double, y: Double, lower: Double? = nil, upper: Double? = nil, label: String) {
            self.x = x
            self.y = y
            self.lower = lower
            self.upper = upper
            self.label = label
        }
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        public var dashed: Bool
        public init(name: String, points: [Point], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }
    }

    /// A vertical line at `x` (a change point), labelled.
    public struct Marker: Sendable {
        public var x: Double
        public var label: String
        public var color: String
        public init(x: Double, label: String, color: String) {
            self.x = x
            self.label = label
            self.color = color
        }
    }

    public enum Spread: Sendable {
        /// Whiskers at each point.
        case errorBars
        /// A shaded band (a series' history).
        case band
    }

    public var title: String
    public var xTitle: String
    public var yTitle: String
    public var series: [Series]
    public var markers: [Marker] = []
    public var xScale: Scale.Kind = .linear
    public var yScale: Scale.Kind = .linear
    /// Tick labels for chosen x values (e.g. run dates) instead of numbers.
    public var xTicks: [(value: Double, label: String)]?
    public var spread: Spread = .errorBars
    public var width: Double = 900
    public var height: Double = 360

    public init(title: String, xTitle: String, yTitle: String, series: [Series]) {
        self.title = title
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.series = series
    }

    public func svg() -> String {
        var body: [String] = [ChartKit.text(title, x: 12, y: 24, size: ChartKit.titleFont, weight: "bold")]
        let left = 84.0, right = 40.0
        let plotWidth = width - left - right
        let legend = series.count > 1 || !markers.isEmpty
            ? ChartKit.legend(series.enumerated().map { ($1.name, ChartKit.color($0)) }
                + (markers.isEmpty ? [] : [("change point", markers[0].color)]), x: left, y: 50, maxWidth: plotWidth)
            : (elements: [String](), height: 0.0)
        body += legend.elements
        let top = 50 + legend.height + 8
        let plotHeight = height - top - 58
        let all = series.flatMap(\.points)
        let xs = Scale.fitting(all.map(\.x), kind: xScale)
        let ys = Scale.fitting(all.flatMap { [$0.y, $0.lower ?? $0.y, $0.upper ?? $0.y] }, kind: yScale)
        // A linear x over run indices: no padding to whole ticks beyond the data.
        let xr = xScale == .linear ? Scale(kind: .linear, lower: all.map(\.x).min() ?? 0, upper: max((all.map(\.x).max() ?? 1), (all.map(\.x).min() ?? 0) + 1)) : xs
        func x(_ v: Double) -> Double { left + xr.fraction(v) * plotWidth }
        func y(_ v: Double) -> Double { top + (1 - ys.fraction(v)) * plotHeight }

        for t in ys.ticks {
            body.append(ChartKit.line(left, y(t.value), left + plotWidth, y(t.value), color: ChartKit.grid))
            body.append(ChartKit.text(t.label, x: left - 6, y: y(t.value), size: ChartKit.tickFont, anchor: "end", baseline: "central"))
        }
        let ticks = xTicks ?? (xScale == .linear ? Scale(kind: .linear, lower: xr.lower, upper: xr.upper).ticks.filter { $0.value == $0.value.rounded() } : xs.ticks)
        for t in ticks {
            body.append(ChartKit.line(x(t.value), top + plotHeight, x(t.value), top + plotHeight + 5))
            // Labels at the ends stay inside the chart.
            let half = ChartKit.textWidth(t.label, size: ChartKit.tickFont) / 2
            let anchor = x(t.value) + half > width - 4 ? "end" : x(t.value) - half < 4 ? "start" : "middle"
            body.append(ChartKit.text(t.label, x: x(t.value), y: top + plotHeight + 20, size: ChartKit.tickFont, anchor: anchor))
        }
        body.append(ChartKit.line(left, top, left, top + plotHeight))
        body.append(ChartKit.line(left, top + plotHeight, left + plotWidth, top + plotHeight))
        body.append(ChartKit.text(xTitle, x: left + plotWidth / 2, y: top + plotHeight + 44, size: ChartKit.axisTitleFont, anchor: "middle"))
        body.append(ChartKit.text(yTitle, x: 18, y: top + plotHeight / 2, size: ChartKit.axisTitleFont, anchor: "middle", rotate: -90))

        for m in markers {
            body.append(ChartKit.line(x(m.x), top, x(m.x), top + plotHeight, color: m.color, width: 2, dash: "6 4"))
            let anchor = x(m.x) > left + plotWidth * 0.75 ? "end" : "start"
            body.append(ChartKit.text(m.label, x: x(m.x) + (anchor == "end" ? -5 : 5), y: top + 14, size: 12.5, anchor: anchor,
                                      weight: "bold", color: m.color))
        }

        for (i, s) in series.enumerated() {
            let color = ChartKit.color(i)
            if spread == .band {
                let banded = s.points.filter { $0.lower != nil && $0.upper != nil }
                if banded.count > 1 {
                    let upperPath = banded.map { "\(ChartKit.n(x($0.x))),\(ChartKit.n(y($0.upper!)))" }
                    let lowerPath = banded.reversed().map { "\(ChartKit.n(x($0.x))),\(ChartKit.n(y($0.lower!)))" }
                    body.append("<polygon points=\"\((upperPath + lowerPath).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.18\"/>")
                }
            }
            let path = s.points.map { "\(ChartKit.n(x($0.x))),\(ChartKit.n(y($0.y)))" }.joined(separator: " ")
            body.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")/>")
            for p in s.points {
                if spread == .errorBars, let l = p.lower, let u = p.upper, u > l {
                    body.append(ChartKit.line(x(p.x), y(l), x(p.x), y(u), color: color, width: 1.5))
                    body.append(ChartKit.line(x(p.x) - 4, y(l), x(p.x) + 4, y(l), color: color, width: 1.5))
                    body.append(ChartKit.line(x(p.x) - 4, y(u), x(p.x) + 4, y(u), color: color, width: 1.5))
                }
                body.append(ChartKit.circle(x(p.x), y(p.y), r: s.points.count > 60 ? 2 : 3.5, fill: color, title: p.label))
            }
        }
        return ChartKit.document(width: width, height: height, title: title, body: body)
    }
}
