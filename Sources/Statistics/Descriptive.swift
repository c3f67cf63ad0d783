import Foundation

/// Descriptive statistics on samples. Quantiles interpolate linearly at rank p*(n-1), as numpy's
/// default and Bencher's boundaries do, so figures agree with both.
public enum Descriptive {
    /// The p-quantile (0...1) of `values`; nil when empty.
    public static func quantile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        return quantile(sorted: values.sorted(), p)
    }

    /// The p-quantile of already sorted values.
    public static func quantile(sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = min(max(p, 0), 1) * Double(sorted.count - 1)
        let lo = Int(rank.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - Double(lo))
    }

    public static func median(_ values: [Double]) -> Double? { quantile(values, 0.5) }

    public static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Sample standard deviation (n-1 in the denominator); nil below two values.
    public static func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let m = mean(values) else { return nil }
        let ss = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return (ss / Double(values.count - 1)).squareRoot()
    }

    /// Coefficient of variation, sd / mean; nil below two values or for a zero mean.
    public static func coefficientOfVariation(_ values: [Double]) -> Double? {
        guard let sd = standardDeviation(values), let m = mean(values), m != 0 else { return nil }
        return sd / abs(m)
    }
}

/// The usual summary of one benchmark x measure.
public struct Summary: Equatable, Sendable {
    public let count: Int
    public let median: Double
    public let q1: Double
    public let q3: Double
    public let min: Double
    public let max: Double
    /// nil below two samples.
    public let cv: Double?

    public init?(_ samples: [Double]) {
        let s = samples.sorted()
        guard let median = Descriptive.quantile(sorted: s, 0.5), let q1 = Descriptive.quantile(sorted: s, 0.25),
              let q3 = Descriptive.quantile(sorted: s, 0.75) else { return nil }
        count = s.count
        self.median = median
        self.q1 = q1
        self.q3 = q3
        min = s[0]
        max = s[s.count - 1]
        cv = Descriptive.coefficientOfVariation(s)
    }
}
