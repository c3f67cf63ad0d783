import Statistics
import Testing

private struct MannWhitneyFixtures: Decodable {
    struct Case: Decodable {
        let x, y: [Double]
        let alternative, method, resolved: String
        let statistic, pvalue: Double
    }
    let cases: [Case]
}

private struct WilcoxonFixtures: Decodable {
    struct Case: Decodable {
        let d: [Double]
        let alternative, method, resolved: String
        let statistic, pvalue: Double
    }
    let cases: [Case]
}

private func alternative(_ name: String) -> Alternative { Alternative(rawValue: name)! }
private func method(_ name: String) -> RankTestMethod { RankTestMethod(rawValue: name)! }

@Suite struct MannWhitneyTests {
    @Test func mannWhitneyU_matchesScipyForEveryMethodAndAlternative() throws {
        let fixtures: MannWhitneyFixtures = try Fixture.load("mann_whitney.json")
        #expect(fixtures.cases.count > 100)
        for c in fixtures.cases {
            let label = "\(c.x.count)x\(c.y.count) \(c.method)->\(c.resolved) \(c.alternative)"
            let result = try #require(RankTests.mannWhitneyU(c.x, c.y, alternative: alternative(c.alternative),
                                                             method: method(c.method)), "\(label)")
            #expect(result.statistic == c.statistic, "\(label): U \(result.statistic), scipy \(c.statistic)")
            #expect(isClose(result.pValue, c.pvalue), "\(label): p \(result.pValue), scipy \(c.pvalue)")
        }
    }

    @Test func automatic_usesScipysAutoRule() throws {
        // scipy 1.17 'auto': exact unless both samples exceed 8 values, or there are ties.
        let x9 = (0..<9).map { Double($0) * 1.5 + 0.2 }, y9 = (0..<9).map { Double($0) }
        let auto = try #require(RankTests.mannWhitneyU(x9, y9, method: .automatic))
        #expect(auto == RankTests.mannWhitneyU(x9, y9, method: .asymptotic))
        let x8 = Array(x9.prefix(8))
        #expect(RankTests.mannWhitneyU(x8, y9, method: .automatic) == RankTests.mannWhitneyU(x8, y9, method: .exact))
        let tied = [1.0, 2, 2, 3]
        #expect(RankTests.mannWhitneyU(tied, [2, 4, 5], method: .automatic)
            == RankTests.mannWhitneyU(tied, [2, 4, 5], method: .asymptotic))
    }

    @Test func mannWhitneyU_isNilForEmptyOrNaNSamples() {
        #expect(RankTests.mannWhitneyU([], [1, 2]) == nil)
        #expect(RankTests.mannWhitneyU([1, .nan], [1, 2]) == nil)
    }
}

@Suite struct WilcoxonTests {
    @Test func wilcoxonSignedRank_matchesScipyForEveryMethodAndAlternative() throws {
        let fixtures: WilcoxonFixtures = try Fixture.load("wilcoxon.json")
        #expect(fixtures.cases.count > 50)
        for c in fixtures.cases {
            let label = "n=\(c.d.count) \(c.method)->\(c.resolved) \(c.alternative)"
            let result = try #require(RankTests.wilcoxonSignedRank(c.d, alternative: alternative(c.alternative),
                                                                   method: method(c.method)), "\(label)")
            #expect(result.statistic == c.statistic, "\(label): T \(result.statistic), scipy \(c.statistic)")
            #expect(isClose(result.pValue, c.pvalue), "\(label): p \(result.pValue), scipy \(c.pvalue)")
        }
    }

    @Test func wilcoxonSignedRank_isNilWithoutNonzeroDifferences() {
        #expect(RankTests.wilcoxonSignedRank([0, 0, 0]) == nil)
        #expect(RankTests.wilcoxonSignedRank([]) == nil)
        #expect(RankTests.wilcoxonSignedRank([1, .nan]) == nil)
    }
}
