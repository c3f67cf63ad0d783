/// Distribution-free confidence intervals.
public enum ConfidenceIntervals {
    /// A confidence interval for the median from order statistics (the sign-test, or binomial, method).
    ///
    /// Rule: with n values sorted as x_(1) <= ... <= x_(n), take the largest k >= 1 such that
    /// P(Binomial(n, 1/2) <= k - 1) <= (1 - level) / 2 and return [x_(k), x_(n-k+1)]. The interval
    /// covers the true median with probability 1 - 2 P(Binomial(n, 1/2) <= k - 1) >= level for any
    /// continuous distribution, which is why it needs no assumption about the samples' shape.
    /// Nil when no k qualifies (n too small for the level: e.g. n < 6 at 95 %), when `values` is
    /// empty or holds a NaN, or when level is not strictly between 0 and 1.
    public static func median(_ values: [Double], level: Double) -> (lower: Double, upper: Double)? {
        let n = values.count
        guard n > 0, level > 0, level < 1, !values.contains(where: \.isNaN) else { return nil }
        let halfAlpha = (1 - level) / 2
        func qualifies(_ k: Int) -> Bool { Distributions.binomialCDF(k - 1, n: n, p: 0.5) <= halfAlpha }
        guard qualifies(1) else { return nil }
        // The CDF grows with k, so the qualifying k form a prefix 1...K: binary search for K.
        // K <= (n + 1) / 2 because P(B <= k - 1) >= 1/2 beyond it, and halfAlpha < 1/2.
        var good = 1, bad = (n + 1) / 2 + 1
        while bad - good > 1 {
            let mid = (good + bad) / 2
            if qualifies(mid) { good = mid } else { bad = mid }
        }
        let sorted = values.sorted()
        return (sorted[good - 1], sorted[n - good])
    }
}
