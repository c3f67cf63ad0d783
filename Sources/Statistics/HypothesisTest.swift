/// Which departure from the null hypothesis a test looks for.
public enum Alternative: String, Sendable, CaseIterable {
    /// Either direction.
    case twoSided = "two-sided"
    /// The first sample (or the differences) tends to be larger.
    case greater
    /// The first sample (or the differences) tends to be smaller.
    case less
}

/// A test statistic and its p-value.
public struct TestResult: Equatable, Sendable {
    /// The statistic as scipy reports it for the same test and alternative.
    public let statistic: Double
    /// The probability, under the null hypothesis, of a statistic at least as extreme.
    public let pValue: Double

    /// A result from its two figures.
    public init(statistic: Double, pValue: Double) {
        self.statistic = statistic
        self.pValue = pValue
    }
}

/// How a rank test computes its p-value.
public enum RankTestMethod: String, Sendable, CaseIterable {
    /// The exact null distribution of the statistic (valid without ties).
    case exact
    /// The normal approximation with tie correction.
    case asymptotic
    /// Exact for small samples without ties, asymptotic otherwise (each test documents its rule).
    case automatic
}
