import Foundation

/// A Bencher threshold model, spelled as Bencher spells it in its API.
public enum ThresholdTest: String, CaseIterable, Sendable {
    /// Fixed limits: the boundaries are the limits.
    case staticValue = "static"
    /// mu ± mu * boundary.
    case percentage
    /// Quantiles of Normal(mu, sd).
    case zScore = "z_score"
    /// Quantiles of Student's t (df n-1, loc mu, scale sd sqrt(1 + 1/n)), a prediction interval.
    case tTest = "t_test"
    /// Quantiles of LogNormal fitted to ln x.
    case logNormal = "log_normal"
    /// Median ± boundary * interquartile range.
    case iqr
    /// Median ± median * boundary * interquartile range of the relative step changes.
    case deltaIqr = "delta_iqr"
}

/// The limits a model sets; a side without a boundary is nil and is not tested.
public struct ThresholdLimits: Equatable, Sendable {
    /// A value strictly below this alerts.
    public let lower: Double?
    /// A value strictly above this alerts.
    public let upper: Double?

    /// Limits from their two sides.
    public init(lower: Double?, upper: Double?) {
        self.lower = lower
        self.upper = upper
    }
}

/// Bencher's seven threshold models (lib/bencher_boundary, v0.6.12):
/// limits computed from a measure's history, and an alert when a new value lies strictly outside.
public enum ThresholdModels {
    /// Which side of the limits a value fell outside.
    public enum Alert: String, Equatable, Sendable {
        /// Strictly above the upper limit.
        case aboveUpper
        /// Strictly below the lower limit.
        case belowLower
    }

    /// Why a boundary is unusable for a model, in words; nil when it is valid.
    public static func validate(_ test: ThresholdTest, boundary: Double) -> String? {
        switch test {
        case .staticValue:
            return boundary.isFinite ? nil : "a static boundary must be a finite number"
        case .percentage:
            return boundary >= 0 && boundary.isFinite ? nil : "a percentage boundary must be a finite fraction >= 0"
        case .zScore, .tTest, .logNormal:
            return boundary >= 0.5 && boundary < 1
                ? nil : "a \(test.rawValue) boundary must be a cumulative probability p with 0.5 <= p < 1"
        case .iqr, .deltaIqr:
            return boundary >= 0 && boundary.isFinite
                ? nil : "an \(test.rawValue) boundary must be a finite multiplier >= 0"
        }
    }

    /// The limits `test` sets from `history` (oldest first); nil when the model does not test.
    ///
    /// A model does not test when neither side has a boundary, when a boundary is invalid (see
    /// `validate`), or, for every model but static (which ignores history, as in Bencher), when the
    /// history has fewer than 2 values or a standard deviation of 0. log_normal also needs every
    /// value > 0, and delta_iqr every value but the last nonzero, for their logarithms and ratios.
    /// The lower limits of z_score, t_test and log_normal mirror the upper quantile about the
    /// centre (2mu - F(pL); 2e^m - F(pL)), exactly as Bencher's table states.
    public static func limits(_ test: ThresholdTest, history: [Double], lowerBoundary: Double?,
                              upperBoundary: Double?) -> ThresholdLimits?
    {
        guard lowerBoundary != nil || upperBoundary != nil else { return nil }
        for boundary in [lowerBoundary, upperBoundary].compactMap({ $0 }) {
            guard validate(test, boundary: boundary) == nil else { return nil }
        }
        if test == .staticValue { return ThresholdLimits(lower: lowerBoundary, upper: upperBoundary) }

        guard history.allSatisfy(\.isFinite), let mu = Descriptive.mean(history),
              let sd = Descriptive.standardDeviation(history), sd > 0 else { return nil }
        let n = Double(history.count)

        func sides(_ upper: (Double) -> Double, _ lower: (Double) -> Double) -> ThresholdLimits {
            ThresholdLimits(lower: lowerBoundary.map(lower), upper: upperBoundary.map(upper))
        }

        switch test {
        case .staticValue:
            return ThresholdLimits(lower: lowerBoundary, upper: upperBoundary)
        case .percentage:
            return sides({ mu + mu * $0 }, { mu - mu * $0 })
        case .zScore:
            let quantile = { (p: Double) in Distributions.normalQuantile(p, mean: mu, sd: sd) }
            return sides(quantile, { 2 * mu - quantile($0) })
        case .tTest:
            // Scale sd sqrt(1 + 1/n): the spread of one new value around a mean estimated from n.
            let scale = sd * (1 + 1 / n).squareRoot()
            let quantile = { (p: Double) in mu + scale * Distributions.studentTQuantile(p, df: n - 1) }
            return sides(quantile, { 2 * mu - quantile($0) })
        case .logNormal:
            guard history.allSatisfy({ $0 > 0 }) else { return nil }
            let logs = history.map { log($0) }
            guard let m = Descriptive.mean(logs), let s = Descriptive.standardDeviation(logs), s > 0 else {
                return nil
            }
            let quantile = { (p: Double) in exp(Distributions.normalQuantile(p, mean: m, sd: s)) }
            return sides(quantile, { 2 * exp(m) - quantile($0) })
        case .iqr:
            let sorted = history.sorted()
            guard let q1 = Descriptive.quantile(sorted: sorted, 0.25),
                  let q2 = Descriptive.quantile(sorted: sorted, 0.5),
                  let q3 = Descriptive.quantile(sorted: sorted, 0.75) else { return nil }
            return sides({ q2 + $0 * (q3 - q1) }, { q2 - $0 * (q3 - q1) })
        case .deltaIqr:
            let sorted = history.sorted()
            // Step changes relative to the earlier value, in history order (before sorting).
            let deltas = zip(history, history.dropFirst()).map { abs($1 - $0) / $0 }
            guard deltas.allSatisfy(\.isFinite),
                  let q2 = Descriptive.quantile(sorted: sorted, 0.5),
                  let dq1 = Descriptive.quantile(deltas, 0.25),
                  let dq3 = Descriptive.quantile(deltas, 0.75) else { return nil }
            return sides({ q2 + q2 * $0 * (dq3 - dq1) }, { q2 - q2 * $0 * (dq3 - dq1) })
        }
    }

    /// The alert a value raises against `limits`, nil when it lies within them (limits are inclusive).
    public static func alert(value: Double, limits: ThresholdLimits) -> Alert? {
        // Lower first, as Bencher checks it, for static limits given the wrong way round.
        if let lower = limits.lower, value < lower { return .belowLower }
        if let upper = limits.upper, value > upper { return .aboveUpper }
        return nil
    }
}
