import Configuration
import Foundation
import Gate
import Results
import Suites

/// A stored-mode regression of a timing is measured again before it fails the check: the benchmarks that regressed
/// run once more in this process and are judged against the same baseline, and only a regression both runs show
/// stands. This machine's runs now and then take a step of their own (a newcomer's second check here flagged 7 of 330
/// rows, +9..+33 %, on unchanged code: ARCHITECTURE.md, decisions), which a second run does not repeat; a real
/// slow-down does. Exact measures are not measured again.
enum Confirmation {
    static func confirm(_ report: GateReport, head: ResultsFile, plan: RunPlan, baseline: [ResultsFile], config: GateConfig,
                        progress: @escaping (String) -> Void) throws -> GateReport {
        let suspects = report.findings.filter { $0.verdict == .regression && !Measure.isDeterministic($0.measure) }
        guard !suspects.isEmpty else { return report }
        let names = Set(suspects.map(\.benchmark))
        let references = head.benchmarks.filter { names.contains($0.name) }.compactMap(\.reference)
        var again = plan
        again.filter = filter(for: names.union(references))
        progress("confirm: \(suspects.count) regression(s) in \(names.count) benchmark(s); measuring them again")
        let second = try Catalog.run(try RunRequest(plan: again), expected: [:]) { progress("confirm: \($0)") }
        let judged = Comparison.stored(baseline: baseline, head: second, config: config, today: todayUTC(),
                                       planned: Set(second.benchmarks.map(\.name)))
        var out = report
        for i in out.findings.indices where out.findings[i].verdict == .regression && !Measure.isDeterministic(out.findings[i].measure) {
            let f = out.findings[i]
            let retry = judged.findings.first { $0.benchmark == f.benchmark && $0.measure == f.measure }
            let what = retry.map { r in "\(r.change.map { String(format: "%+.1f %%", $0 * 100) } ?? "-") (\(r.verdict.rawValue))" } ?? "nothing"
            if retry?.verdict == .regression {
                out.findings[i].note += "; confirmed by a second run: \(what)"
            } else {
                out.findings[i].verdict = .unchanged
                out.findings[i].note += "; not confirmed: a second run measured \(what)"
            }
        }
        return out
    }

    /// Names a suite runs when asked for: each benchmark and every name above it (a test-run input is run by its
    /// program, a user-map operation by its group), matched whole.
    static func filter(for names: Set<String>) -> String {
        var all = Set<String>()
        for name in names {
            let parts = name.split(separator: "/")
            for k in 1 ... parts.count { all.insert(parts.prefix(k).joined(separator: "/")) }
        }
        return "^(" + all.sorted().map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "|") + ")$"
    }
}
