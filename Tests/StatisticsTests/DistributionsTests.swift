import Statistics
import Testing

private struct DistributionFixtures: Decodable {
    struct Point: Decodable { let x: Double; let value: Double }
    struct Beta: Decodable { let a, b, x, value: Double }
    struct Normal: Decodable { let x, mean, sd, cdf, sf: Double }
    struct NormalQuantile: Decodable { let p, mean, sd, value: Double }
    struct StudentT: Decodable { let t, df, cdf, sf: Double }
    struct StudentTQuantile: Decodable { let p, df, value: Double }
    struct Binomial: Decodable { let k, n: Int; let p, value: Double }
    let logGamma: [Point]
    let incompleteBeta: [Beta]
    let normal: [Normal]
    let normalQuantile: [NormalQuantile]
    let studentT: [StudentT]
    let studentTQuantile: [StudentTQuantile]
    let binomial: [Binomial]
}

@Suite struct DistributionsTests {
    private let fixtures: DistributionFixtures

    init() throws { fixtures = try Fixture.load("distributions.json") }

    @Test func logGamma_matchesScipyGammaln() {
        for c in fixtures.logGamma {
            let v = Distributions.logGamma(c.x)
            // Near x = 1 and 2 log Γ crosses zero, where only absolute accuracy means anything (and
            // is all its uses inside exp() need).
            #expect(isClose(v, c.value) || abs(v - c.value) <= 1e-14, "logGamma(\(c.x)) = \(v), scipy \(c.value)")
        }
    }

    @Test func regularizedIncompleteBeta_matchesScipyBetainc() {
        for c in fixtures.incompleteBeta {
            let v = Distributions.regularizedIncompleteBeta(a: c.a, b: c.b, x: c.x)
            #expect(isClose(v, c.value), "I_\(c.x)(\(c.a), \(c.b)) = \(v), scipy \(c.value)")
        }
    }

    @Test func normalCDFAndSurvival_matchScipyIncludingTails() {
        for c in fixtures.normal {
            let cdf = Distributions.normalCDF(c.x, mean: c.mean, sd: c.sd)
            let sf = Distributions.normalSurvival(c.x, mean: c.mean, sd: c.sd)
            #expect(isClose(cdf, c.cdf), "cdf(\(c.x); \(c.mean), \(c.sd)) = \(cdf), scipy \(c.cdf)")
            #expect(isClose(sf, c.sf), "sf(\(c.x); \(c.mean), \(c.sd)) = \(sf), scipy \(c.sf)")
        }
    }

    @Test func normalQuantile_matchesScipyDownTo1e300() {
        for c in fixtures.normalQuantile {
            let q = Distributions.normalQuantile(c.p, mean: c.mean, sd: c.sd)
            #expect(isClose(q, c.value), "ppf(\(c.p); \(c.mean), \(c.sd)) = \(q), scipy \(c.value)")
        }
    }

    @Test func studentTCDFAndSurvival_matchScipyForNonIntegerAndLargeDF() {
        for c in fixtures.studentT {
            let cdf = Distributions.studentTCDF(c.t, df: c.df)
            let sf = Distributions.studentTSurvival(c.t, df: c.df)
            #expect(isClose(cdf, c.cdf), "t cdf(\(c.t); df \(c.df)) = \(cdf), scipy \(c.cdf)")
            #expect(isClose(sf, c.sf), "t sf(\(c.t); df \(c.df)) = \(sf), scipy \(c.sf)")
        }
    }

    @Test func studentTQuantile_matchesScipyInBothTails() {
        for c in fixtures.studentTQuantile {
            let q = Distributions.studentTQuantile(c.p, df: c.df)
            #expect(isClose(q, c.value), "t ppf(\(c.p); df \(c.df)) = \(q), scipy \(c.value)")
        }
    }

    @Test func binomialCDF_matchesScipy() {
        for c in fixtures.binomial {
            let v = Distributions.binomialCDF(c.k, n: c.n, p: c.p)
            #expect(isClose(v, c.value), "binom cdf(\(c.k); \(c.n), \(c.p)) = \(v), scipy \(c.value)")
        }
    }

    @Test func quantiles_areInfiniteAtTheEndsAndNaNOutside() {
        #expect(Distributions.normalQuantile(0) == -.infinity)
        #expect(Distributions.normalQuantile(1) == .infinity)
        #expect(Distributions.normalQuantile(1.5).isNaN)
        #expect(Distributions.studentTQuantile(0, df: 3) == -.infinity)
        #expect(Distributions.studentTQuantile(1, df: 3) == .infinity)
        #expect(Distributions.studentTQuantile(0.5, df: 3) == 0)
        #expect(Distributions.studentTQuantile(0.9, df: 0).isNaN)
    }

    @Test func studentTQuantile_invertsTheCDF() {
        for df in [1.0, 2.5, 30] {
            for p in [1e-12, 0.01, 0.3, 0.8, 1 - 1e-9] {
                let t = Distributions.studentTQuantile(p, df: df)
                let back = p < 0.5 ? Distributions.studentTCDF(t, df: df) : Distributions.studentTSurvival(t, df: df)
                #expect(isClose(back, p < 0.5 ? p : 1 - p, relative: 1e-11), "df \(df) p \(p)")
            }
        }
    }
}
