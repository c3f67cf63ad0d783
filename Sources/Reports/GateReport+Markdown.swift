import Foundation
import Gate
import Results

extension GateReport {
    /// GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY` or a PR comment; regressions and failures first.
    public func markdown() -> String {
        let order: [Verdict] = [.failed, .regression, .improvement, .needsData, .new, .gone, .waived, .notComparable, .unchanged]
        var out = "## bpfgate: \(regressions.isEmpty && failures.isEmpty ? "no regression" : "\(regressions.count) regression(s), \(failures.count) failure(s)")\n\n"
        out += "\(mode == .ab ? "Same-run A/B" : "Against the stored baseline") on testbed `\(testbed)`. \(summaryLine).\n\n"
        out += "| | benchmark | measure | base | head | change | p | n | mde | note |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|\n"
        for v in order {
            for f in findings where f.verdict == v {
                out += "| " + cells(f).joined(separator: " | ") + " |\n"
            }
        }
        if let g = geomeanRatio { out += "\nGeomean of head/base ratios: \(String(format: "%.3f", g)) (\(signedPercent(g - 1))).\n" }
        return out
    }

    private func cells(_ f: Finding) -> [String] {
        let base: String = f.base.map { value($0, f.unit) } ?? "-"
        let head: String = f.head.map { value($0, f.unit) } ?? "-"
        let p: String = f.adjustedP.map(pValue) ?? "-"
        let mde: String = f.minimumDetectableEffect.map(Comparison.percent) ?? "-"
        let note: String = f.note.replacingOccurrences(of: "|", with: "\\|")
        return [f.verdict.marker, "`\(f.benchmark)`", f.measure, base, head, change(f), p, observations(f), mde, note]
    }
}
