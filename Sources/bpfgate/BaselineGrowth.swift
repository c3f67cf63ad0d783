import Configuration
import Foundation
import Gate
import Harness
import Results
import Suites

/// How `check` builds a testbed's baseline: a first one of the fewest runs that judge, then one run more per check
/// that did not regress (`--grow-baseline`), as Bencher's history grows from main-branch runs.
struct BaselineGrowth {
    let store: BaselineStore
    let config: GateConfig
    let testbed: Testbed

    /// A first baseline stops here however wide its intervals still are: 4 runs of the gate profile (~65 s each) and a
    /// fresh clone's build (~76 s) fit in the 6 minutes a newcomer's first check is given (ARCHITECTURE.md, decisions).
    static let firstMaxRuns = 4

    /// What the next check could detect with `runs` as its baseline: the comparison of the last run against all of
    /// them (a prediction interval's width depends on the baseline runs only, not on the head).
    func outlook(_ runs: [ResultsFile], planned: Set<String>) -> GateReport {
        Comparison.stored(baseline: runs, head: runs[runs.count - 1], config: config, today: todayUTC(), planned: planned)
    }

    /// No baseline: `head` and the fewest more runs (each its own process) that judge, `minBaselineRuns`, and more while
    /// the median minimum detectable effect of the gated timings is above `minEffect` (up to `firstMaxRuns`; exact
    /// measures detect any change and would make the median small by themselves); all stored, loudly, with what they
    /// can detect.
    func record(head: ResultsFile, plan: RunPlan, planned: Set<String>, progress: (String) -> Void) throws {
        let floor = max(2, config.minBaselineRuns)
        let maxRuns = max(floor, Self.firstMaxRuns)
        progress("baseline: none for testbed '\(head.testbed.name)': recording \(floor) runs (the fewest that judge; up to \(maxRuns) while the timings' median minimum detectable effect is above \(Comparison.percent(config.minEffect)))")
        let more = try ChildRuns.run(count: maxRuns - 1, minimum: floor - 1, before: 1, plan: plan, seconds: head.run.durationSeconds,
                                     enough: { done in (outlook([head] + done, planned: planned).medianMDE(timings: true) ?? 0) <= config.minEffect },
                                     progress: { progress("baseline: \($0)") })
        let runs = [head] + more
        for run in runs {
            _ = try Cleanup.shared.critical {
                try store.save(run, kind: .save, reason: nil, history: config.history, currentTestbed: testbed, force: false)
            }
        }
        let view = outlook(runs, planned: planned)
        let line = String(repeating: "=", count: 78)
        progress("""
        \(line)
        bpfgate: NO BASELINE for testbed '\(head.testbed.name)': recorded \(runs.count) run(s) in \
        \(store.directory(testbed: head.testbed.name))/.
        Nothing was compared and this check passes. \(Self.describe(view, runs: runs.count))
        Commit the baseline; later checks compare against it, and main-branch runs with --grow-baseline deepen it.
        \(line)
        """)
    }

    /// "With 3 runs the next check judges 96 % of the gated rows; median minimum detectable effect 3.4 %."
    static func describe(_ view: GateReport, runs: Int) -> String {
        guard let share = view.judgedShare, let mde = view.medianMDE() else { return "With \(runs) run(s) nothing can be judged yet." }
        let timings = view.medianMDE(timings: true).map { " (timings \(Comparison.percent($0)))" } ?? ""
        return String(format: "With %d runs the next check judges %.0f %% of the gated rows; median minimum detectable effect %@%@.",
                      runs, share * 100, Comparison.percent(mde), timings)
    }

    /// `--grow-baseline`: `head`, just judged, joins the baseline unless it regressed (a regression is for a person to
    /// accept with `baseline accept`); failed benchmarks are stored with their statuses, and the line says so.
    func grow(with head: ResultsFile, judged report: GateReport, baselineRuns: Int, progress: (String) -> Void) throws {
        if !report.regressions.isEmpty {
            progress("baseline: this run is not stored: it regressed (\(report.regressions.count) row(s)); the baseline keeps its \(baselineRuns) run(s)")
            return
        }
        let path = try Cleanup.shared.critical {
            try store.save(head, kind: .save, reason: nil, history: config.history, currentTestbed: testbed, force: false)
        }
        let failed = report.failures.count
        progress("baseline: this run is stored (\(path)); the baseline has \(min(config.history, baselineRuns + 1)) run(s)"
                 + (failed > 0 ? "; its \(failed) failed benchmark row(s) are stored with their failed status" : ""))
    }
}
