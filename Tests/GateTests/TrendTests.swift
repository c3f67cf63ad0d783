import Foundation
import Gate
import Results
import Statistics
import Testing

/// What a short or degenerate history cannot make `trend` say, and what a real step or a creep does.
@Suite struct TrendTests {
    /// One series of `values` (oldest first) of a timing measure, or of `measure`.
    static func series(_ values: [Double], measure: String = "latency") -> HistorySeries {
        HistorySeries(benchmark: "b/op", measure: measure, unit: "ns", direction: .smallerIsBetter, points: values.enumerated().map { i, v in
            HistoryPoint(runID: "run\(i)", time: String(format: "2026-11-%02dT00:00:00.000Z", 1 + i), commit: String(format: "%040d", i),
                         kind: "save", value: v, lower: nil, upper: nil)
        })
    }

    /// Gaussian noise of relative SD `cv` around `center` (Box-Muller on a seeded generator).
    static func noisy(_ count: Int, center: Double = 100, cv: Double, _ g: inout SeededGenerator) -> [Double] {
        (0 ..< count).map { _ in
            let u1 = max(Double(g.next() >> 11) / Double(1 << 53), 1e-12), u2 = Double(g.next() >> 11) / Double(1 << 53)
            return center * (1 + cv * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
    }

    /// Flat histories of 3, 5 and 8 runs, noisy as the system-CPU measures (3 %): no change point in 300 of each,
    /// which Otava's rule (one run a side) does not hold (it finds some: the test would catch losing the rule).
    @Test(arguments: [3, 5, 8])
    func flatNoisyHistory_hasNoChangePoint(runs: Int) {
        var g = SeededGenerator(seed: UInt64(runs))
        let histories = (0 ..< 300).map { _ in Self.series(Self.noisy(runs, cv: 0.03, &g)) }
        let report = Trend.analyze(histories, options: TrendOptions())
        #expect(report.steps.isEmpty, "\(report.steps.count) change points in flat histories of \(runs) runs")
        #expect(report.exitStatus == .ok)
        #expect(report.shortSeries == (runs < 8 ? 300 : 0))
        if runs >= 5 {
            var otava = TrendOptions()
            otava.minSegment = 1
            #expect(!Trend.analyze(histories, options: otava).steps.isEmpty, "the old rule should have been fooled here")
        }
    }

    @Test func shortHistory_saysSoInsteadOfAStep() {
        // The reported case: system-cpu-percent over 3 stored runs, one before and two after a +5.4 % "step".
        let report = Trend.analyze([Self.series([41.0, 43.2, 43.2], measure: "system-cpu-percent")], options: TrendOptions())
        #expect(report.steps.isEmpty && report.exitStatus == .ok)
        #expect(report.terminal().contains("the history is too short: its longest series has 3 run(s); a change point needs 4 runs on each side"),
                "\(report.terminal())")
    }

    @Test func realStep_isFound_withItsRunsOnEachSide() throws {
        var g = SeededGenerator(seed: 7)
        let values = Self.noisy(7, cv: 0.01, &g) + Self.noisy(5, center: 112, cv: 0.01, &g)
        let report = Trend.analyze([Self.series(values)], options: TrendOptions())
        let step = try #require(report.steps.first)
        #expect(report.steps.count == 1 && step.index == 7 && step.kind == .regression && step.recent)
        #expect(step.pointsBefore == 7 && step.pointsAfter == 5 && abs(step.change - 0.12) < 0.02)
        #expect(report.exitStatus == .regression && report.shortSeries == 0)
    }

    /// Only passing runs grow the baseline, so +2 % per run passes every check: the trend over the stored runs, run
    /// after each stored run as ci/trend.sh does, is the guard, and fails within the 10 runs.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func creepOfTwoPercentPerRun_overTenRuns_failsTheTrend(seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        let noise = Self.noisy(10, center: 1, cv: 0.005, &g)
        let values = (0 ..< 10).map { i in 100 * pow(1.02, Double(i)) * noise[i] }
        let reports = (1 ... 10).map { k in Trend.analyze([Self.series(Array(values.prefix(k)))], options: TrendOptions()) }
        let caught = try #require(reports.firstIndex { $0.exitStatus == .regression }, "\(reports.map { $0.terminal() })")
        let step = try #require(reports[caught].steps.first)
        #expect(step.kind == .regression && step.recent && step.change > 0.05)
        #expect(caught + 1 >= 8, "no change point before 4 runs on each side")
    }

    @Test func constantLevels_stepOnlyForExactMeasures() {
        let values = [50.0, 50, 50, 50, 52.7, 52.7, 52.7, 52.7]
        let timing = Trend.analyze([Self.series(values, measure: "system-cpu-percent")], options: TrendOptions())
        #expect(timing.steps.isEmpty, "two constant timings are no evidence of noise or of a step")
        let exact = Trend.analyze([Self.series([100.0, 100, 100, 100, 120, 120, 120, 120], measure: "jited-bytes")], options: TrendOptions())
        #expect(exact.steps.count == 1 && exact.steps.first?.index == 4)
    }
}
