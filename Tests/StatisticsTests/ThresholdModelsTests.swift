import Statistics
import Testing

private struct ThresholdFixtures: Decodable {
    struct Limits: Decodable { let lower, upper: Double? }
    struct Case: Decodable {
        let test, name: String
        let history: [Double]
        let lowerBoundary, upperBoundary: Double?
        let limits: Limits?
    }
    struct Checks: Decodable {
        let upperBoundary, zScoreUpper, tTestUpper: Double
        let history: [Double]
    }
    let cases: [Case]
    let checks: Checks
}

private func text(_ value: Double?) -> String { value.map { "\($0)" } ?? "nil" }

private func matches(_ actual: Double?, _ expected: Double?) -> Bool {
    switch (actual, expected) {
    case (nil, nil): return true
    case let (a?, e?): return isClose(a, e)
    default: return false
    }
}

@Suite struct ThresholdModelsTests {
    private let fixtures: ThresholdFixtures

    init() throws { fixtures = try Fixture.load("thresholds.json") }

    @Test func limits_matchTheReferenceTableComputedWithScipy() throws {
        #expect(Set(fixtures.cases.map(\.test)) == Set(ThresholdTest.allCases.map(\.rawValue)))
        for c in fixtures.cases {
            let test = try #require(ThresholdTest(rawValue: c.test))
            let label = "\(c.test) \(c.name) (\(text(c.lowerBoundary)), \(text(c.upperBoundary)))"
            let limits = ThresholdModels.limits(test, history: c.history, lowerBoundary: c.lowerBoundary,
                                                upperBoundary: c.upperBoundary)
            guard let expected = c.limits else {
                #expect(limits == nil, "\(label): \(String(describing: limits))")
                continue
            }
            let actual = try #require(limits, "\(label)")
            #expect(matches(actual.lower, expected.lower), "\(label) lower: \(text(actual.lower)) vs \(text(expected.lower))")
            #expect(matches(actual.upper, expected.upper), "\(label) upper: \(text(actual.upper)) vs \(text(expected.upper))")
        }
    }

    @Test func limits_reproduceTheDocumentedChecks() throws {
        let checks = fixtures.checks  // history: mean 100, sd 10, n = 25; boundary 0.977
        let z = try #require(ThresholdModels.limits(.zScore, history: checks.history, lowerBoundary: nil,
                                                    upperBoundary: checks.upperBoundary))
        let t = try #require(ThresholdModels.limits(.tTest, history: checks.history, lowerBoundary: nil,
                                                    upperBoundary: checks.upperBoundary))
        #expect(isClose(try #require(z.upper), checks.zScoreUpper))
        #expect(isClose(try #require(t.upper), checks.tTestUpper))
        #expect(abs(z.upper! - 119.95) < 0.005 && abs(t.upper! - 121.46) < 0.005)
    }

    @Test func alert_firesOnlyStrictlyOutsideTheLimits() {
        let limits = ThresholdLimits(lower: 90, upper: 110)
        #expect(ThresholdModels.alert(value: 110, limits: limits) == nil)
        #expect(ThresholdModels.alert(value: 90, limits: limits) == nil)
        #expect(ThresholdModels.alert(value: 110.0.nextUp, limits: limits) == .aboveUpper)
        #expect(ThresholdModels.alert(value: 90.0.nextDown, limits: limits) == .belowLower)
        #expect(ThresholdModels.alert(value: -1e300, limits: ThresholdLimits(lower: nil, upper: 1)) == nil)
        #expect(ThresholdModels.alert(value: 1e300, limits: ThresholdLimits(lower: 1, upper: nil)) == nil)
    }

    @Test func validate_namesTheAllowedRange() {
        #expect(ThresholdModels.validate(.staticValue, boundary: -1e9) == nil)
        #expect(ThresholdModels.validate(.staticValue, boundary: .infinity) != nil)
        #expect(ThresholdModels.validate(.percentage, boundary: 0) == nil)
        #expect(ThresholdModels.validate(.percentage, boundary: -0.01) != nil)
        for test in [ThresholdTest.zScore, .tTest, .logNormal] {
            #expect(ThresholdModels.validate(test, boundary: 0.5) == nil)
            #expect(ThresholdModels.validate(test, boundary: 0.999) == nil)
            #expect(ThresholdModels.validate(test, boundary: 1)?.contains("0.5 <= p < 1") == true)
            #expect(ThresholdModels.validate(test, boundary: 0.49) != nil)
            #expect(ThresholdModels.validate(test, boundary: .nan) != nil)
        }
        for test in [ThresholdTest.iqr, .deltaIqr] {
            #expect(ThresholdModels.validate(test, boundary: 0) == nil)
            #expect(ThresholdModels.validate(test, boundary: -1) != nil)
        }
    }

    @Test func staticLimits_ignoreHistory() {
        #expect(ThresholdModels.limits(.staticValue, history: [], lowerBoundary: 1, upperBoundary: nil)
            == ThresholdLimits(lower: 1, upper: nil))
        #expect(ThresholdModels.limits(.percentage, history: [], lowerBoundary: 0.1, upperBoundary: nil) == nil)
    }
}
