import Foundation
import Gate
import Results

extension GateReport {
    /// The terminal table: marker, benchmark, measure, base, head, change (raw too when normalized), p,
    /// minimum detectable effect, note; the geomean of ratios and a count of verdicts at the end.
    public func terminal() -> String {
        var rows: [[String]] = [["", "benchmark", "measure", "base", "head", "change", "p", "n", "mde", "note"]]
        for f in findings {
            rows.append([f.verdict.marker, f.benchmark, f.measure, f.base.map { value($0, f.unit) } ?? "-",
                         f.head.map { value($0, f.unit) } ?? "-", change(f), f.adjustedP.map(pValue) ?? "-", observations(f),
                         f.minimumDetectableEffect.map(Comparison.percent) ?? "-", f.note])
        }
        var out = TerminalTable.columns(rows)
        if let g = geomeanRatio { out += "geomean of head/base ratios: \(String(format: "%.3f", g)) (\(signedPercent(g - 1)))\n" }
        out += summaryLine + "\n"
        return out
    }

    /// "1 regression, 2 improvements, 40 unchanged, ..." in a fixed order, zero counts left out.
    public var summaryLine: String {
        let counts = Verdict.allCases.compactMap { v -> String? in
            let n = findings.filter { $0.verdict == v }.count
            return n == 0 ? nil : "\(n) \(v.rawValue)"
        }
        var line = (mode == .ab ? "A/B: " : "against \(baseRuns.count) baseline run(s): ") + (counts.isEmpty ? "nothing compared" : counts.joined(separator: ", "))
        if let share = judgedShare, let mde = medianMDE() {
            line += String(format: "; %.0f %% of gated rows judged, median minimum detectable effect %@", share * 100, Comparison.percent(mde))
            if let timings = medianMDE(timings: true), timings != mde { line += " (timings \(Comparison.percent(timings)))" }
        }
        return line
    }
}

/// The baseline runs (stored mode) or pairs (A/B) a row stands on.
func observations(_ f: Finding) -> String { f.observations > 0 ? "\(f.observations)" : "-" }

func value(_ x: Double, _ unit: String) -> String { "\(TerminalTable.format(x)) \(unit)" }

func pValue(_ p: Double) -> String { p < 0.0001 ? String(format: "%.0e", p) : String(format: "%.4f", p) }

func signedPercent(_ x: Double) -> String { String(format: "%+.1f %%", x * 100) }

func change(_ f: Finding) -> String {
    guard let c = f.change else { return "-" }
    var s = signedPercent(c)
    if f.normalized, let raw = f.rawChange { s += " (raw \(signedPercent(raw)))" }
    return s
}
