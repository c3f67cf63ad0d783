import Statistics
import Testing

private struct MultipleComparisonFixtures: Decodable {
    struct Case: Decodable { let p, holm, bh: [Double] }
    let cases: [Case]
}

@Suite struct MultipleComparisonsTests {
    private let fixtures: MultipleComparisonFixtures

    init() throws { fixtures = try Fixture.load("multiple_comparisons.json") }

    @Test func holm_matchesTheStepDownRule() {
        for c in fixtures.cases {
            let adjusted = MultipleComparisons.holm(c.p)
            #expect(adjusted.count == c.p.count)
            for (a, e) in zip(adjusted, c.holm) { #expect(isClose(a, e), "holm \(c.p): \(adjusted) vs \(c.holm)") }
        }
    }

    @Test func benjaminiHochberg_matchesScipyFalseDiscoveryControl() {
        for c in fixtures.cases {
            let adjusted = MultipleComparisons.benjaminiHochberg(c.p)
            #expect(adjusted.count == c.p.count)
            for (a, e) in zip(adjusted, c.bh) { #expect(isClose(a, e), "bh \(c.p): \(adjusted) vs \(c.bh)") }
        }
    }

    @Test func adjustments_areMonotoneInPAndNeverBelowIt() {
        for c in fixtures.cases {
            for adjusted in [MultipleComparisons.holm(c.p), MultipleComparisons.benjaminiHochberg(c.p)] {
                for i in c.p.indices {
                    #expect(adjusted[i] >= c.p[i] && adjusted[i] <= 1)
                    for j in c.p.indices where c.p[i] < c.p[j] { #expect(adjusted[i] <= adjusted[j]) }
                }
            }
        }
        #expect(MultipleComparisons.holm([]).isEmpty)
        #expect(MultipleComparisons.benjaminiHochberg([]).isEmpty)
    }
}
