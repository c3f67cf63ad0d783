import Foundation
import Gate
import Results

extension TrendReport {
    /// One line of settings and counts, then one row per change point: the recent regressions first (they
    /// decide the exit status), then the rest by benchmark.
    public func terminal() -> String {
        let regressions = recentRegressions.count
        var out = "trend: \(series) series, \(points) points; window \(windowLength), p <= \(maxPValue), magnitude > \(String(format: "%g", minMagnitude * 100)) %: "
        out += "\(steps.count) change point(s), \(regressions) regression(s) in the last \(recent) point(s)\n"
        if shortSeries > 0 {
            let need = "a change point needs \(minSegment) runs on each side, \(2 * minSegment) in all"
            out += shortSeries == series
                ? "trend: the history is too short: its longest series has \(longest) run(s); \(need), so none was looked for\n"
                : "trend: \(shortSeries) of \(series) series are too short to look at (\(need))\n"
        }
        guard !steps.isEmpty else { return out }
        var rows: [[String]] = [["", "benchmark", "measure", "at", "commits", "before", "after", "change", "p", "step"]]
        let ordered = steps.filter(\.failing) + steps.filter { !$0.failing }
        for s in ordered {
            let commits = "\(s.commitBefore.map { String($0.prefix(8)) } ?? "?")..\(s.commit.map { String($0.prefix(8)) } ?? "?")"
            rows.append([s.failing ? "✗" : s.kind == .regression ? "+" : "-", s.benchmark, s.measure,
                         "#\(s.index) \(s.time)", commits, value(s.meanBefore, s.unit) + " (\(s.pointsBefore))",
                         value(s.meanAfter, s.unit) + " (\(s.pointsAfter))", signedPercent(s.change), pValue(s.pValue),
                         s.kind.rawValue + (s.recent ? ", recent" : "") + (s.reference ? " (reference: the machine's speed)" : "")])
        }
        return out + TerminalTable.columns(rows)
    }
}

public enum HistoryTable {
    /// Per series a header line, then one row per point: time, commit, kind, median and quartiles.
    public static func render(_ series: [HistorySeries]) -> String {
        var out = ""
        for s in series {
            out += "\(s.benchmark)  \(s.measure) (\(s.unit), \(s.direction == .smallerIsBetter ? "smaller" : "bigger") is better): \(s.points.count) point(s)\n"
            let rows = s.points.map { p in
                ["  " + p.time, p.commit.map { String($0.prefix(12)) } ?? "-", p.kind ?? "-", value(p.value, s.unit),
                 p.lower.flatMap { l in p.upper.map { "\(TerminalTable.format(l))..\(TerminalTable.format($0))" } } ?? ""]
            }
            out += TerminalTable.columns(rows)
        }
        return out
    }
}
