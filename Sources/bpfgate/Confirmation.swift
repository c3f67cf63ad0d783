import Configuration
import Foundation
import Gate
import Results
import Suites

/// A stored-mode regression of a timing is measured again before it fails the check: the benchmarks that regressed
/// run once more in this process and are judged against the same baseline, and only a regression both runs show
/// stands. This machine's runs now and then take a step of their own (a newcomer's second check here flagged 7 of 330
/// rows, +9..+33 %, on unchanged code: ARCHITECTURE.md, decisions), which a second run does not repeat; a real
/// slow-down does. Exact measures are not measured again. A same-run A/B's regression is measured again the same way
/// (`confirmAB`): an unchanged sibling of runqlat once came out +3 % beyond the attached band in 1 of ~60 A/B runs.
enum Confirmation {
    static func confirm(_ report: GateReport, head: ResultsFile, plan: RunPlan, baseline: [ResultsFile], config: GateConfig,
                        progress: @escaping (String) -> Void) throws -> GateReport {
        let suspects = suspects(report)
        guard !suspects.isEmpty else { return report }
        let names = Set(suspects.map(\.benchmark))
        let references = head.benchmarks.filter { names.contains($0.name) }.compactMap(\.reference)
        var again = plan
        again.filter = filter(for: names.union(references))
        progress("confirm: \(suspects.count) regression(s) in \(names.count) benchmark(s); measuring them again")
        let second = try Catalog.run(try RunRequest(plan: again), expected: [:]) { progress("confirm: \($0)") }
        let judged = Comparison.stored(baseline: baseline, head: second, config: config, today: todayUTC(),
                                       planned: Set(second.benchmarks.map(\.name)))
        return merge(report, second: judged)
    }

    /// Same-run A/B: the benchmarks whose timing regressed are timed A/B once more (same object sets, same pairs),
    /// and only a regression both A/Bs show stands.
    static func confirmAB(_ report: GateReport, request: RunRequest, base: ObjectSet, head: ObjectSet, headExtraWork: UInt32,
                          demoPairsFactor: Int, config: GateConfig, progress: @escaping (String) -> Void) throws -> GateReport {
        let names = Set(suspects(report).map(\.benchmark))
        guard !names.isEmpty else { return report }
        var again = request
        again.filter = try Regex(filter(for: names))
        progress("confirm: \(suspects(report).count) A/B regression(s) in \(names.count) benchmark(s); timing them A/B again")
        let outcome = try Catalog.runAB(again, base: base, head: head, headExtraWork: headExtraWork, demoPairsFactor: demoPairsFactor) {
            progress("confirm: \($0)")
        }
        let pairs = outcome.pairs.map { PairedSamples(benchmark: $0.benchmark, base: $0.base, head: $0.head, attached: $0.attached) }
        return merge(report, second: Comparison.ab(pairs, testbed: report.testbed, headRun: report.headRun, config: config))
    }

    /// The regressions of timings (what is measured again).
    static func suspects(_ report: GateReport) -> [Finding] {
        report.findings.filter { $0.verdict == .regression && !Measure.isDeterministic($0.measure) }
    }

    /// The first report's timing regressions stand unless the second judgement finds them unchanged or better (then
    /// they become unchanged); a second run that failed or could not judge leaves them standing. The note says which.
    static func merge(_ report: GateReport, second judged: GateReport) -> GateReport {
        var out = report
        for i in out.findings.indices where out.findings[i].verdict == .regression && !Measure.isDeterministic(out.findings[i].measure) {
            let f = out.findings[i]
            let retry = judged.findings.first { $0.benchmark == f.benchmark && $0.measure == f.measure }
            let what = retry.map { r in "\(r.change.map { String(format: "%+.1f %%", $0 * 100) } ?? "-") (\(r.verdict.rawValue))" } ?? "nothing"
            switch retry?.verdict {
            case .regression?:
                out.findings[i].note += "; confirmed by a second run: \(what)"
            case .unchanged?, .improvement?:
                out.findings[i].verdict = .unchanged
                out.findings[i].note += "; not confirmed: a second run measured \(what)"
            default:
                // A second run that failed or could not judge clears nothing.
                out.findings[i].note += "; stands: a second run could not judge it (\(what))"
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
