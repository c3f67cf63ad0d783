import Foundation

/// Distribution-free rank tests, matching scipy.stats (1.17) figure for figure.
public enum RankTests {
    /// Mann-Whitney U test of x against y, as `scipy.stats.mannwhitneyu(x, y, use_continuity=True)`.
    ///
    /// The statistic is U of x (pairs with x > y, ties counting one half). `.asymptotic` uses the
    /// normal approximation with tie and continuity corrections; `.exact` the exact null distribution
    /// (exact only without ties; with ties U is truncated to an integer, as scipy does).
    /// `.automatic` is scipy's 'auto': exact when either sample has at most 8 values and there are
    /// no ties, asymptotic otherwise. Nil when a sample is empty or holds a NaN.
    public static func mannWhitneyU(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided,
                                    method: RankTestMethod = .automatic) -> TestResult?
    {
        guard !x.isEmpty, !y.isEmpty, !x.contains(where: \.isNaN), !y.contains(where: \.isNaN) else {
            return nil
        }
        let n1 = Double(x.count), n2 = Double(y.count)
        let (ranks, tieSizes) = averageRanks(x + y)
        let r1 = ranks[0..<x.count].reduce(0, +)
        let u1 = r1 - n1 * (n1 + 1) / 2
        let u2 = n1 * n2 - u1

        // Every alternative is an upper-tail probability of some U; the two-sided p doubles it.
        let u: Double, factor: Double
        switch alternative {
        case .greater: (u, factor) = (u1, 1)
        case .less: (u, factor) = (u2, 1)
        case .twoSided: (u, factor) = (max(u1, u2), 2)
        }

        let hasTies = tieSizes.contains { $0 > 1 }
        let resolved: RankTestMethod
        switch method {
        case .automatic: resolved = (x.count > 8 && y.count > 8) || hasTies ? .asymptotic : .exact
        default: resolved = method
        }

        let p: Double
        if resolved == .exact {
            p = mannWhitneyExactSurvival(Int(u), x.count, y.count)
        } else {
            let n = n1 + n2
            let tieTerm = tieSizes.reduce(0.0) { $0 + Double($1) * Double($1) * Double($1) - Double($1) }
            let s = (n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))).squareRoot()
            // The continuity correction always subtracts 1/2: the p-value is an upper tail, and the
            // mass at U itself belongs to it.
            p = Distributions.normalSurvival((u - n1 * n2 / 2 - 0.5) / s)
        }
        return TestResult(statistic: u1, pValue: min(max(p * factor, 0), 1))
    }

    /// Wilcoxon signed-rank test of the differences d, as
    /// `scipy.stats.wilcoxon(d, zero_method='wilcox', correction=False)`.
    ///
    /// Zero differences are dropped. The statistic is R+ (sum of ranks of positive differences),
    /// or min(R+, R-) for `.twoSided`, as scipy reports it. `.asymptotic` uses the normal
    /// approximation with tie correction; `.exact` the exact null distribution (with ties, R+ is
    /// rounded outward as scipy does). `.automatic` is exact when at most 50 differences remain and
    /// there are no ties and no zeros, asymptotic otherwise; unlike scipy's 'auto' it never runs a
    /// permutation test. Nil when no nonzero difference remains or d holds a NaN.
    public static func wilcoxonSignedRank(_ d: [Double], alternative: Alternative = .twoSided,
                                          method: RankTestMethod = .automatic) -> TestResult?
    {
        guard !d.contains(where: \.isNaN) else { return nil }
        let nonzero = d.filter { $0 != 0 }
        guard !nonzero.isEmpty else { return nil }
        let n = nonzero.count
        let (ranks, tieSizes) = averageRanks(nonzero.map { abs($0) })
        var rPlus = 0.0, rMinus = 0.0
        for (value, rank) in zip(nonzero, ranks) {
            if value > 0 { rPlus += rank } else { rMinus += rank }
        }

        let hasTies = tieSizes.contains { $0 > 1 }
        let resolved: RankTestMethod
        switch method {
        case .automatic: resolved = n <= 50 && !hasTies && nonzero.count == d.count ? .exact : .asymptotic
        default: resolved = method
        }

        let p: Double
        if resolved == .exact {
            let dist = WilcoxonNull(n: n)
            // With ties R+ may be a half-integer; rounding up for the lower tail and down for the
            // upper one is conservative and keeps the alternatives symmetric (scipy gh-19872).
            switch alternative {
            case .less: p = dist.cdf(Int(rPlus.rounded(.up)))
            case .greater: p = dist.survival(Int(rPlus.rounded(.down)))
            case .twoSided:
                p = min(1, 2 * min(dist.survival(Int(rPlus.rounded(.down))), dist.cdf(Int(rPlus.rounded(.up)))))
            }
        } else {
            let nd = Double(n)
            let tieTerm = tieSizes.reduce(0.0) { $0 + Double($1) * Double($1) * Double($1) - Double($1) }
            let se = ((nd * (nd + 1) * (2 * nd + 1) - tieTerm / 2) / 24).squareRoot()
            let z = (rPlus - nd * (nd + 1) / 4) / se
            switch alternative {
            case .less: p = Distributions.normalCDF(z)
            case .greater: p = Distributions.normalSurvival(z)
            case .twoSided: p = 2 * Distributions.normalSurvival(abs(z))
            }
        }
        let statistic = alternative == .twoSided ? min(rPlus, rMinus) : rPlus
        return TestResult(statistic: statistic, pValue: p)
    }

    // MARK: Helpers

    /// Average (mid) ranks, 1-based, and the size of every group of equal values.
    static func averageRanks(_ values: [Double]) -> (ranks: [Double], tieSizes: [Int]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var tieSizes: [Int] = []
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j { ranks[order[k]] = rank }
            tieSizes.append(j - i + 1)
            i = j + 1
        }
        return (ranks, tieSizes)
    }

    /// P(U >= u) under the null hypothesis for samples of sizes n1 and n2, without ties.
    static func mannWhitneyExactSurvival(_ u: Int, _ n1: Int, _ n2: Int) -> Double {
        let m = min(n1, n2), n = max(n1, n2), mn = m * n
        if u <= 0 { return 1 }
        if u > mn { return 0 }
        var total = 1.0
        for i in 1...m { total = total * Double(n + i) / Double(i) }
        // The distribution is symmetric about mn/2: sum whichever tail is shorter, and sum the upper
        // tail directly (as P(U <= mn - u)) so that small p-values are not 1 - (1 - p).
        if mn - u < u {
            return mannWhitneyCounts(m: m, n: n, upTo: mn - u).reduce(0, +) / total
        }
        return 1 - mannWhitneyCounts(m: m, n: n, upTo: u - 1).reduce(0, +) / total
    }

    /// How many of the C(m+n, m) orderings give U = 0...maxU.
    ///
    /// Recurrence on the largest value: if it comes from the sample of m it beats all n others,
    /// otherwise it adds nothing, so c(u; m, n) = c(u - n; m-1, n) + c(u; m, n-1). Every term is
    /// positive, so the counts keep full relative precision even past 2^53 (scipy switches to a
    /// signed recurrence in floating point there). The cost is m * n * maxU additions, and callers
    /// only ask for the shorter tail (maxU <= mn/2).
    static func mannWhitneyCounts(m: Int, n: Int, upTo maxU: Int) -> [Double] {
        let width = maxU + 1
        // table[j * width + u] = c(u; j, i) for the current i.
        var table = [Double](repeating: 0, count: (m + 1) * width)
        for j in 0...m { table[j * width] = 1 }
        if n >= 1 && m >= 1 {
            table.withUnsafeMutableBufferPointer { t in
                for i in 1...n where i <= maxU {
                    for j in 1...m {
                        let row = j * width, previous = (j - 1) * width
                        for u in i...maxU { t[row + u] += t[previous + u - i] }
                    }
                }
            }
        }
        return Array(table[(m * width)..<((m + 1) * width)])
    }
}

/// The null distribution of the signed-rank statistic R+ for n nonzero, untied differences.
struct WilcoxonNull {
    /// counts[s] = number of subsets of {1...n} summing to s; exact integers in Double up to n = 50.
    let counts: [Double]
    let total: Double

    init(n: Int) {
        let maxSum = n * (n + 1) / 2
        var counts = [Double](repeating: 0, count: maxSum + 1)
        counts[0] = 1
        var reached = 0
        for k in stride(from: 1, through: n, by: 1) {
            reached += k
            for s in stride(from: reached, through: k, by: -1) { counts[s] += counts[s - k] }
        }
        self.counts = counts
        total = pow(2, Double(n))
    }

    /// P(R+ <= k), summed from the lower end.
    func cdf(_ k: Int) -> Double {
        if k < 0 { return 0 }
        if k >= counts.count - 1 { return 1 }
        return counts[0...k].reduce(0, +) / total
    }

    /// P(R+ >= k), summed from the upper end, so small p-values keep their precision.
    func survival(_ k: Int) -> Double {
        if k <= 0 { return 1 }
        if k > counts.count - 1 { return 0 }
        return counts[k...].reduce(0, +) / total
    }
}
