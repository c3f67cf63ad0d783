import Statistics
import Testing

private struct RegressionFixtures: Decodable {
    struct Prediction: Decodable { let x0, y0, se, p: Double }
    struct Case: Decodable {
        let x, y: [Double]
        let intercept, slope, residualSd: Double
        let predictions: [Prediction]
    }
    let cases: [Case]
}

@Suite struct LinearRegressionTests {
    private let fixtures: RegressionFixtures

    init() throws { fixtures = try Fixture.load("regression.json") }

    @Test func fitAndPredictionInterval_matchScipy() throws {
        for c in fixtures.cases {
            let fit = try #require(LinearFit(x: c.x, y: c.y))
            #expect(isClose(fit.slope, c.slope), "slope n=\(c.x.count)")
            #expect(isClose(fit.intercept, c.intercept), "intercept n=\(c.x.count)")
            #expect(isClose(fit.residualSD, c.residualSd), "residual sd n=\(c.x.count)")
            for p in c.predictions {
                #expect(isClose(fit.predictionStandardError(at: p.x0), p.se), "se n=\(c.x.count) x0=\(p.x0)")
                #expect(isClose(fit.predictionPValue(y: p.y0, at: p.x0), p.p), "p n=\(c.x.count) x0=\(p.x0)")
            }
        }
    }

    @Test func degenerateInputs_haveNoFit() {
        #expect(LinearFit(x: [1, 2], y: [1, 2]) == nil)
        #expect(LinearFit(x: [3, 3, 3], y: [1, 2, 3]) == nil)
        #expect(LinearFit(x: [1, 2, 3], y: [1, 2]) == nil)
    }
}
