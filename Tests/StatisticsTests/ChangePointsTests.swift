import Foundation
@testable import Statistics
import Testing

private struct ChangePointFixtures: Decodable {
    struct Point: Decodable {
        let index: Int
        let pvalue: Double
        let meanBefore, meanAfter, stdBefore, stdAfter, forwardChangePercent: Double?
    }
    struct Case: Decodable {
        let name: String
        let window: Int
        let maxPvalue, minMagnitude: Double
        let series: [Double]
        let changePoints: [Point]
        let weakChangePoints: [Point]
    }
    let otava: String
    let cases: [Case]
}

/// The port against Apache Otava 0.8.0 itself (ci/fixtures/make_changepoint_fixtures.py).
@Suite struct ChangePointsTests {
    private let fixtures: ChangePointFixtures

    init() throws { fixtures = try Fixture.load("changepoints.json") }

    private func options(_ c: ChangePointFixtures.Case, otava: Bool) -> ChangePoints.Options {
        ChangePoints.Options(windowLength: c.window, maxPValue: c.maxPvalue, minMagnitude: c.minMagnitude, otavaNeighbours: otava)
    }

    @Test func weakChangePoints_matchOtavasSplitStep() {
        for c in fixtures.cases {
            let weak = ChangePoints.split(c.series, options: options(c, otava: true))
            #expect(weak.map(\.index) == c.weakChangePoints.map(\.index), "\(c.name): weak change points")
            for (w, e) in zip(weak, c.weakChangePoints) {
                #expect(isClose(w.stats.pValue, e.pvalue, relative: 1e-6), "\(c.name) #\(e.index): p \(w.stats.pValue), Otava \(e.pvalue)")
            }
        }
    }

    @Test func changePoints_matchOtavaWithItsNeighbourRecompute() {
        for c in fixtures.cases {
            let found = ChangePoints.detect(c.series, options: options(c, otava: true)).changePoints
            #expect(found.map(\.index) == c.changePoints.map(\.index), "\(c.name): change points")
            for (f, e) in zip(found, c.changePoints) {
                #expect(isClose(f.stats.pValue, e.pvalue, relative: 1e-6), "\(c.name) #\(e.index): p \(f.stats.pValue), Otava \(e.pvalue)")
                #expect(isClose(f.stats.meanBefore, e.meanBefore!, relative: 1e-12) && isClose(f.stats.meanAfter, e.meanAfter!, relative: 1e-12))
                #expect(isClose(f.stats.sdBefore, e.stdBefore!, relative: 1e-9) && isClose(f.stats.sdAfter, e.stdAfter!, relative: 1e-9))
                #expect(isClose(f.stats.forwardChange * 100, e.forwardChangePercent!, relative: 1e-9))
            }
        }
    }

    /// bpfgate's merge recomputes both neighbours of a removed point, so every reported statistic is that of
    /// the segments the change point really separates, and each one passes the thresholds on them.
    @Test func ownMerge_reportsFreshStatisticsThatPassTheThresholds() {
        for c in fixtures.cases {
            let found = ChangePoints.detect(c.series, options: options(c, otava: false)).changePoints
            let fresh = ChangePoints.stats(at: found.map(\.index), series: c.series)
            #expect(found == fresh, "\(c.name): stale statistics")
            for f in found {
                #expect(f.stats.pValue < c.maxPvalue && f.stats.magnitude > c.minMagnitude, "\(c.name) #\(f.index)")
            }
        }
    }

    @Test func clearSteps_areFoundByBothMerges() {
        for name in ["step_up_10pct", "step_down_5pct", "two_steps", "recent_regression", "early_step", "bimodal_step"] {
            guard let c = fixtures.cases.first(where: { $0.name == name }) else {
                Issue.record("fixture case \(name) missing")
                continue
            }
            let own = ChangePoints.detect(c.series, options: options(c, otava: false)).changePoints.map(\.index)
            #expect(own == c.changePoints.map(\.index), "\(name): \(own)")
        }
    }

    @Test func edgeCases_likeOtava() {
        #expect(ChangePoints.detect([]).changePoints.isEmpty)
        #expect(ChangePoints.detect([1]).changePoints.isEmpty)
        #expect(ChangePoints.detect([1, 2]).changePoints.isEmpty)
        #expect(ChangePoints.detect([Double](repeating: 5, count: 20)).changePoints.isEmpty)
        let step = ChangePoints.detect([1, 1, 1, 1, 2, 2, 2, 2]).changePoints
        #expect(step.map(\.index) == [4])
        #expect(step.first?.stats.pValue == 0 && step.first?.stats.forwardChange == 1)
    }

    /// The t test is Otava's: pooled, with population standard deviations ([1,2,3,4] vs [3,4,5,6]: 0.0447,
    /// where scipy's ttest_ind gives 0.0710).
    @Test func tTest_usesPopulationStandardDeviations() {
        let s = ChangePoints.tTest([1, 2, 3, 4][...], [3, 4, 5, 6][...])
        #expect(abs(s.pValue - 0.0447) < 0.0001, "\(s.pValue)")
        #expect(isClose(s.sdBefore, 1.25.squareRoot()))
    }
}
