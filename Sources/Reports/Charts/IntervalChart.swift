import Foundation

/// A forest plot of changes: one row per benchmark x measure, its change (head/base - 1, percent) as a dot
/// and its confidence interval as a bar, coloured by verdict, against a zero line and the threshold lines.
public struct IntervalChart: Sendable {
    public struct Row: Sendable {
        public var label: String
        /// Percent.
        public var estimate: Double
        public var lower: Double?
        public var upper: Double?
        public var color: String
        /// Right of the plot, e.g. "+2.5 % regression".
        public var verdict: String
        public init(label: String, estimate: Double, lower: Double?, upper: Double?, color: String, verdict: String) {
            self.label = label
            self.estimate = estimate
            self.lower = lower
            self.upper = upper
            self.color = color
            self.verdict = verdict
        }
    }

    public var title: String
    public var axisTitle: String
    public var rows: [Row]
    /// Legend entries (verdict and colour), in order.
    public var legend: [(name: String, color: String)]
    /// Dashed lines at these percentages (the gate's thresholds).
    public var thresholds: [Double] = []
    public var width: Double = 900

    public init(title: String, axisTitle: String, rows: [Row], legend: [(name: String, color: String)]) {
        self.title = title
        self.axisTitle = axisTitle
        self.rows = rows
        self.legend = legend
    }

    public func svg() -> String {
        let rowHeight = 24.0
        let labelWidth = min(420, max(80, rows.map { ChartKit.textWidth($0.label, size: ChartKit.labelFont) }.max() ?? 0)) + 12
        let verdictWidth = max(110, rows.map { ChartKit.textWidth($0.verdict, size: ChartKit.labelFont) }.max() ?? 0) + 12
        let left = labelWidth + 8, right = verdictWidth + 8
        let plotWidth = max(200, width - left - right)
        var body: [String] = [ChartKit.text(title, x: 12, y: 24, size: ChartKit.titleFont, weight: "bold")]
        let lg = ChartKit.legend(legend, x: left, y: 50, maxWidth: plotWidth)
        body += lg.elements
        let top = 50 + lg.height + 6
        let plotHeight = Double(rows.count) * rowHeight
        let values = rows.flatMap { [$0.estimate, $0.lower ?? $0.estimate, $0.upper ?? $0.estimate] } + thresholds + [0]
        let scale = Scale.fitting(values, kind: .linear, includeZero: true)
        func x(_ v: Double) -> Double { left + scale.fraction(v) * plotWidth }

        for t in scale.ticks {
            body.append(ChartKit.line(x(t.value), top, x(t.value), top + plotHeight, color: ChartKit.grid))
            body.append(ChartKit.text(t.label == "0" ? "0" : (t.value > 0 ? "+" : "") + t.label, x: x(t.value), y: top + plotHeight + 18,
                                      size: ChartKit.tickFont, anchor: "middle"))
        }
        for t in thresholds {
            body.append(ChartKit.line(x(t), top, x(t), top + plotHeight, color: ChartKit.regression, width: 1.2, dash: "5 4"))
        }
        body.append(ChartKit.line(x(0), top, x(0), top + plotHeight, width: 1.5))
        body.append(ChartKit.line(left, top + plotHeight, left + plotWidth, top + plotHeight))
        body.append(ChartKit.text(axisTitle, x: left + plotWidth / 2, y: top + plotHeight + 40, size: ChartKit.axisTitleFont, anchor: "middle"))

        for (r, row) in rows.enumerated() {
            let ym = top + Double(r) * rowHeight + rowHeight / 2
            if r % 2 == 1 { body.append(ChartKit.rect(left, ym - rowHeight / 2, plotWidth, rowHeight, fill: "#F6F6F6")) }
            body.append(ChartKit.text(row.label, x: left - 8, y: ym, anchor: "end", baseline: "central"))
            if let l = row.lower, let u = row.upper {
                body.append(ChartKit.line(x(l), ym, x(u), ym, color: row.color, width: 3))
                body.append(ChartKit.line(x(l), ym - 5, x(l), ym + 5, color: row.color, width: 2))
                body.append(ChartKit.line(x(u), ym - 5, x(u), ym + 5, color: row.color, width: 2))
            }
            var tip = "\(row.label): \(String(format: "%+.2f", row.estimate)) %"
            if let l = row.lower, let u = row.upper { tip += String(format: " (CI %+.2f..%+.2f %%)", l, u) }
            body.append(ChartKit.circle(x(row.estimate), ym, r: 5, fill: row.color, title: tip + ", " + row.verdict))
            body.append(ChartKit.text(row.verdict, x: left + plotWidth + 10, y: ym, color: row.color, baseline: "central"))
        }
        return ChartKit.document(width: width, height: top + plotHeight + 52, title: title, body: body)
    }
}
