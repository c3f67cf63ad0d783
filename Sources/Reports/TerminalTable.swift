import Foundation
import Results
import Statistics

/// The human table of a run (written to stderr by `bpfgate run`): one row per benchmark x measure.
public enum TerminalTable {
    public static func render(_ results: ResultsFile) -> String {
        var rows: [[String]] = [["benchmark", "measure", "median", "q1..q3", "cv", "n", "status"]]
        for b in results.benchmarks {
            for m in b.measures {
                if m.status == .ok, let s = Summary(m.samples) {
                    rows.append([b.name, m.measure, "\(format(s.median)) \(m.unit)", "\(format(s.q1))..\(format(s.q3))",
                                 s.cv.map { String(format: "%.1f%%", $0 * 100) } ?? "-", String(s.count),
                                 m.flags.isEmpty ? "ok" : "ok !" + m.flags.joined(separator: ",")])
                } else {
                    rows.append([b.name, m.measure, "-", "-", "-", "0", "\(m.status.label): \(m.status.reason ?? "")"])
                }
            }
        }
        return columns(rows)
    }

    /// Rows as aligned columns (two spaces apart; the last column is not padded), one line each.
    public static func columns(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = (0 ..< first.count - 1).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// Three significant digits at most, no exponent for the usual range.
    public static func format(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        if abs(x) >= 100 { return String(format: "%.0f", x) }
        if abs(x) >= 10 { return String(format: "%.1f", x) }
        return String(format: "%.2f", x)
    }
}
