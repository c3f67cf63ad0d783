import Statistics
import Testing

private struct MedianCIFixtures: Decodable {
    struct Case: Decodable {
        let values: [Double]
        let level: Double
        let k: Int
        let lower, upper: Double?
    }
    let cases: [Case]
}

@Suite struct MedianConfidenceIntervalTests {
    @Test func median_picksTheSameOrderStatisticsAsScipysBinomial() throws {
        let fixtures: MedianCIFixtures = try Fixture.load("median_ci.json")
        for c in fixtures.cases {
            let ci = ConfidenceIntervals.median(c.values, level: c.level)
            let label = "n=\(c.values.count) level \(c.level) k \(c.k)"
            if let lower = c.lower, let upper = c.upper {
                #expect(ci?.lower == lower && ci?.upper == upper, "\(label): \(String(describing: ci))")
            } else {
                #expect(ci == nil, "\(label): \(String(describing: ci))")
            }
        }
    }

    @Test func median_needsSixValuesAt95Percent() {
        // P(B(5, 1/2) = 0) = 1/32 > 0.025, P(B(6, 1/2) = 0) = 1/64 <= 0.025.
        #expect(ConfidenceIntervals.median([1, 2, 3, 4, 5], level: 0.95) == nil)
        let ci = ConfidenceIntervals.median([6, 1, 5, 2, 4, 3], level: 0.95)
        #expect(ci?.lower == 1 && ci?.upper == 6)
    }

    @Test func median_isNilForBadInput() {
        #expect(ConfidenceIntervals.median([], level: 0.9) == nil)
        #expect(ConfidenceIntervals.median(Array(repeating: 1, count: 20), level: 1) == nil)
        #expect(ConfidenceIntervals.median([1, 2, .nan, 4, 5, 6, 7, 8], level: 0.9) == nil)
    }
}
