import Foundation

/// Ordinary least squares of y on one covariate x, with the prediction interval of a new observation
/// (the textbook formulas; checked against scipy's `linregress` and Student t in the fixtures).
public struct LinearFit: Equatable, Sendable {
    public let count: Int
    public let intercept: Double
    public let slope: Double
    /// Residual standard deviation, sqrt(SSE / (n - 2)).
    public let residualSD: Double
    public let xMean: Double
    /// Sum of squared deviations of x from its mean.
    public let sxx: Double

    /// nil below three points or when x does not vary (the slope is then undefined).
    public init?(x: [Double], y: [Double]) {
        guard x.count == y.count, x.count >= 3, let mx = Descriptive.mean(x), let my = Descriptive.mean(y) else { return nil }
        var sxx = 0.0, sxy = 0.0
        for (a, b) in zip(x, y) {
            sxx += (a - mx) * (a - mx)
            sxy += (a - mx) * (b - my)
        }
        guard sxx > 0, sxx.isFinite else { return nil }
        let slope = sxy / sxx
        let intercept = my - slope * mx
        let sse = zip(x, y).reduce(0.0) { acc, p in
            let r = p.1 - (intercept + slope * p.0)
            return acc + r * r
        }
        count = x.count
        self.intercept = intercept
        self.slope = slope
        self.sxx = sxx
        xMean = mx
        residualSD = (sse / Double(x.count - 2)).squareRoot()
    }

    /// Degrees of freedom of the residuals, n - 2.
    public var degreesOfFreedom: Double { Double(count - 2) }

    public func predict(_ x: Double) -> Double { intercept + slope * x }

    /// Standard error of a new observation at x: s * sqrt(1 + 1/n + (x - mean x)^2 / Sxx).
    public func predictionStandardError(at x: Double) -> Double {
        residualSD * (1 + 1 / Double(count) + (x - xMean) * (x - xMean) / sxx).squareRoot()
    }

    /// Two-sided p-value of `y` being a new observation at `x`: Student t with n - 2 df.
    public func predictionPValue(y: Double, at x: Double) -> Double {
        let se = predictionStandardError(at: x)
        let d = y - predict(x)
        guard se > 0 else { return d == 0 ? 1 : 0 }
        return min(1, 2 * Distributions.studentTSurvival(abs(d) / se, df: degreesOfFreedom))
    }
}
