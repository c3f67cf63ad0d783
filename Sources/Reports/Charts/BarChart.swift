import Foundation

/// Horizontal grouped bars: one row per category (a map type, a hook), one bar per series in it (an
/// operation, a measure), each with an error bar (the run's interquartile range) and a tooltip. A category
/// without a value for a series shows why (e.g. "unsupported: ...") in place of its bar.
public struct BarChart: Sendable {
    public struct Bar: Sendable {
        public var value: Double
        public var lower: Double?
        public var upper: Double?
        public init(value: Double, lower: Double? = nil, upper: Double? = nil) {
            self.value = value
            self.lower = lower
            self.upper = upper
        }
    }

    public struct Row: Sendable {
        public var label: String
        /// One per series; nil where the category has none.
        public var bars: [Bar?]
        /// Shown where the row has no bar at all.
        public var note: String?
        public init(label: String, bars: [Bar?], note: String? = nil) {
            self.label = label
            self.bars = bars
            self.note = note
        }
    }

    public var title: String
    /// The value axis title, with its unit.
    public var axisTitle: String
    public var unit: String
    public var series: [String]
    public var rows: [Row]
    public var log: Bool
    public var width: Double = 900

    public init(title: String, axisTitle: String, unit: String, series: [String], rows: [Row], log: Bool) {
        self.title = title
        self.axisTitle = axisTitle
        self.unit = unit
        self.series = series
        self.rows = rows
        self.log = log
    }

    public func svg() -> String {
        let barHeight = 13.0, rowGap = 12.0
        let labelWidth = max(80, rows.map { ChartKit.textWidth($0.label, size: ChartKit.labelFont) }.max() ?? 0) + 12
        let left = labelWidth + 10, right = 70.0
        let plotWidth = width - left - right
        var body: [String] = [ChartKit.text(title, x: 12, y: 24, size: ChartKit.titleFont, weight: "bold")]
        let legend = ChartKit.legend(series.enumerated().map { ($1, ChartKit.color($0)) }, x: left, y: 50, maxWidth: plotWidth)
        body += legend.elements
        let top = 50 + legend.height + 6
        // A row holds only the bars it has (each keeps its series' colour), at least one slot.
        let slots = rows.map { max(1, $0.bars.compactMap { $0 }.count) }
        let rowTops = slots.reduce(into: [0.0]) { $0.append($0.last! + Double($1) * barHeight + rowGap) }
        let plotHeight = rowTops.last!
        let values = rows.flatMap { $0.bars.compactMap { $0 }.flatMap { [$0.value, $0.lower ?? $0.value, $0.upper ?? $0.value] } }
        let scale = Scale.fitting(values, kind: log ? .log10 : .linear, includeZero: !log)
        func x(_ v: Double) -> Double { left + scale.fraction(v) * plotWidth }

        for t in scale.ticks {
            body.append(ChartKit.line(x(t.value), top, x(t.value), top + plotHeight, color: ChartKit.grid))
            body.append(ChartKit.text(t.label, x: x(t.value), y: top + plotHeight + 18, size: ChartKit.tickFont, anchor: "middle"))
        }
        body.append(ChartKit.line(left, top, left, top + plotHeight))
        body.append(ChartKit.line(left, top + plotHeight, left + plotWidth, top + plotHeight))
        body.append(ChartKit.text(axisTitle + (log ? " (log scale)" : ""), x: left + plotWidth / 2, y: top + plotHeight + 40,
                                  size: ChartKit.axisTitleFont, anchor: "middle"))

        for (r, row) in rows.enumerated() {
            let y0 = top + rowTops[r] + rowGap / 2
            let middle = y0 + Double(slots[r]) * barHeight / 2
            body.append(ChartKit.text(row.label, x: left - 8, y: middle, anchor: "end", baseline: "central"))
            if row.bars.allSatisfy({ $0 == nil }) {
                let note = row.note ?? "no value"
                body.append("<g><title>\(ChartKit.escape(note))</title>" + ChartKit.text(ChartKit.fit(note, width: plotWidth + right - 10), x: left + 6, y: middle,
                                                                                         color: ChartKit.neutral, baseline: "central") + "</g>")
                continue
            }
            var slot = 0
            for (s, bar) in row.bars.enumerated() {
                guard let bar else { continue }
                let y = y0 + Double(slot) * barHeight
                slot += 1
                let base = log ? left : x(0)
                let end = x(bar.value)
                var tip = "\(row.label), \(s < series.count ? series[s] : ""): \(Scale.label(bar.value)) \(unit)"
                if let l = bar.lower, let u = bar.upper { tip += " (quartiles \(Scale.label(l))..\(Scale.label(u)))" }
                body.append(ChartKit.rect(min(base, end), y + 1, abs(end - base), barHeight - 2, fill: ChartKit.color(s), title: tip))
                if let l = bar.lower, let u = bar.upper, u > l {
                    let ym = y + barHeight / 2
                    body.append(ChartKit.line(x(l), ym, x(u), ym, width: 1.5))
                    body.append(ChartKit.line(x(l), ym - 4, x(l), ym + 4, width: 1.5))
                    body.append(ChartKit.line(x(u), ym - 4, x(u), ym + 4, width: 1.5))
                }
                body.append(ChartKit.text(Scale.label(bar.value), x: max(end, x(bar.upper ?? bar.value)) + 5, y: y + barHeight / 2,
                                          size: 12, color: ChartKit.ink, baseline: "central"))
            }
        }
        return ChartKit.document(width: width, height: top + plotHeight + 54, title: title, body: body)
    }
}
