import Foundation

/// Change points in a series by E-divisive means with a Student t significance test, as Apache Otava
/// (formerly Hunter; Fleming et al., "Hunter: Using Change Point Detection to Hunt for Performance
/// Regressions", ICPE 2023) computes them, so that its results can be checked against Otava's
/// (`ci/fixtures/make_changepoint_fixtures.py`, `ci/bench/otava-agreement.sh`):
///
/// 1. **Split.** Sliding windows of `windowLength` points, advanced by half a window (or to the last change
///    point found). In each window, E-divisive (Matteson & James, 2014) repeatedly takes the split that
///    maximises the divergence q̂ over the window's current segments and keeps it while a t test between the
///    two segments it separates gives p <= a relaxed level (10x `maxPValue` below 0.05). These are the weak
///    change points; their statistics are then recomputed over the whole series.
/// 2. **Merge.** The weakest one (the largest p; when every p is below `maxPValue`, the smallest relative
///    change, if it is not above `minMagnitude`) is removed and its neighbours' statistics are recomputed,
///    until every change point is significant and large enough.
///
/// Like Otava, the t test is the pooled two-sample test on the segments' means with their population
/// standard deviations (ddof 0). One difference: after a removal Otava 0.8 recomputes the change point after
/// the removed one and the one after that, so the one before keeps the statistics of its old, shorter right
/// segment (and may survive on them); here the two whose segments changed are recomputed.
/// `Options.otavaNeighbours` restores Otava's choice, to check the port against it. A p-value that is not a
/// number (two constant segments with equal means) counts as 1. Beyond Otava (off by default): a change point
/// can be required to have `minSegment` points on each side and, for timings, some spread (`constantSegments`).
public enum ChangePoints {
    public struct Options: Equatable, Sendable {
        public var windowLength: Int
        public var maxPValue: Double
        /// Relative change (0.05 = 5 %) a change point needs besides its significance.
        public var minMagnitude: Double
        /// Recompute the neighbours Otava 0.8 recomputes after a removal (see above); for cross-checks only.
        public var otavaNeighbours: Bool
        /// Points a change point needs on each side (Otava: 1). Fewer are removed before any other, in the merge step.
        public var minSegment: Int
        /// Whether a change point between two constant segments (no spread on either side: the t test's p is 0)
        /// may stand, as Otava lets it: right for exact measures, not for timings (quantized or copied values).
        public var constantSegments: Bool

        /// Otava's defaults.
        public init(windowLength: Int = 50, maxPValue: Double = 0.001, minMagnitude: Double = 0, otavaNeighbours: Bool = false,
                    minSegment: Int = 1, constantSegments: Bool = true) {
            self.windowLength = windowLength
            self.maxPValue = maxPValue
            self.minMagnitude = minMagnitude
            self.otavaNeighbours = otavaNeighbours
            self.minSegment = minSegment
            self.constantSegments = constantSegments
        }

        /// Whether `p` may stand at all: enough points on each side, and a spread unless constant segments may.
        func admits(_ p: ChangePoint) -> Bool {
            min(p.stats.countBefore, p.stats.countAfter) >= minSegment && (constantSegments || p.stats.sdBefore > 0 || p.stats.sdAfter > 0)
        }

        /// The level of the split step.
        var firstPassPValue: Double {
            maxPValue < 0.05 ? maxPValue * 10 : maxPValue < 0.5 ? maxPValue * 2 : maxPValue
        }
    }

    /// The two segments a change point separates.
    public struct Stats: Equatable, Sendable {
        public var meanBefore: Double
        public var meanAfter: Double
        /// Population standard deviations (ddof 0), as Otava reports them.
        public var sdBefore: Double
        public var sdAfter: Double
        public var countBefore: Int
        public var countAfter: Int
        public var pValue: Double

        /// meanAfter / meanBefore - 1 (0 when meanBefore is 0).
        public var forwardChange: Double { meanBefore == 0 ? 0 : meanAfter / meanBefore - 1 }
        /// The larger of the forward and backward relative changes, in absolute value.
        public var magnitude: Double {
            max(abs(forwardChange), abs(meanAfter == 0 ? 0 : meanBefore / meanAfter - 1))
        }
    }

    public struct ChangePoint: Equatable, Sendable {
        /// The first point of the new segment.
        public var index: Int
        public var stats: Stats
    }

    /// The change points of `series` (sorted by index) and the weak ones the split step found.
    public static func detect(_ series: [Double], options: Options = Options()) -> (changePoints: [ChangePoint], weak: [ChangePoint]) {
        precondition(options.windowLength >= 2, "the window needs at least 2 points")
        let weak = split(series, options: options)
        return (merge(weak, series: series, options: options), weak)
    }

    // MARK: - Steps

    static func split(_ series: [Double], options: Options) -> [ChangePoint] {
        let step = options.windowLength / 2
        let level = options.firstPassPValue
        var indices: [Int] = []
        var start = 0
        while start < series.count {
            let end = min(start + options.windowLength, series.count)
            let found = divisive(Array(series[start ..< end]), level: level).map { $0 + start }
            start = max(found.last ?? 0, start + step)
            for i in found where !indices.contains(i) { indices.append(i) }
        }
        indices.sort()
        return stats(at: indices, series: series)
    }

    static func merge(_ weak: [ChangePoint], series: [Double], options: Options) -> [ChangePoint] {
        var points = weak
        while !points.isEmpty {
            var weakest = firstIndex(of: points, by: { $0.stats.pValue > $1.stats.pValue })
            // One that may not stand goes first: the shortest side first.
            if points.contains(where: { !options.admits($0) }) {
                weakest = firstIndex(of: points, by: { a, b in
                    options.admits(a) != options.admits(b) ? !options.admits(a)
                        : min(a.stats.countBefore, a.stats.countAfter) < min(b.stats.countBefore, b.stats.countAfter)
                })
            } else if points[weakest].stats.pValue < options.maxPValue {
                weakest = firstIndex(of: points, by: { $0.stats.magnitude < $1.stats.magnitude })
                if points[weakest].stats.magnitude > options.minMagnitude { return points }
            }
            points.remove(at: weakest)
            let bounds = points.map(\.index)
            for k in options.otavaNeighbours ? [weakest, weakest + 1] : [weakest - 1, weakest] where points.indices.contains(k) {
                let lower = k == 0 ? 0 : bounds[k - 1], upper = k + 1 < bounds.count ? bounds[k + 1] : series.count
                points[k].stats = tTest(series[lower ..< points[k].index], series[points[k].index ..< upper])
            }
        }
        return points
    }

    /// The index of the first element that no later element beats (`better(a, b)`: a beats b).
    private static func firstIndex(of points: [ChangePoint], by better: (ChangePoint, ChangePoint) -> Bool) -> Int {
        var best = 0
        for i in points.indices.dropFirst() where better(points[i], points[best]) { best = i }
        return best
    }

    /// Each change point with the t test between the segments on either side of it.
    static func stats(at indices: [Int], series: [Double]) -> [ChangePoint] {
        indices.enumerated().map { k, index in
            let lower = k == 0 ? 0 : indices[k - 1], upper = k + 1 < indices.count ? indices[k + 1] : series.count
            return ChangePoint(index: index, stats: tTest(series[lower ..< index], series[index ..< upper]))
        }
    }

    /// E-divisive over one window: split indices (window-relative, sorted) while each new split is
    /// significant at `level`.
    static func divisive(_ x: [Double], level: Double) -> [Int] {
        let q = Divergence(x)
        var cuts: [Int] = []
        while true {
            let bounds = [0] + cuts + [x.count]
            var best: (index: Int, qhat: Double)?
            for (lower, upper) in zip(bounds, bounds.dropFirst()) where upper - lower > 1 {
                let c = q.candidate(lower, upper)
                if best == nil || c.qhat > best!.qhat { best = c }
            }
            guard let candidate = best else { break }
            let k = bounds.lastIndex { $0 < candidate.index }!
            let stats = tTest(x[bounds[k] ..< candidate.index], x[candidate.index ..< bounds[k + 1]])
            guard stats.pValue <= level else { break }
            cuts.append(candidate.index)
            cuts.sort()
        }
        return cuts
    }

    /// Otava's test: pooled two-sample t on the means with population standard deviations; p = 1 for fewer
    /// than three points.
    static func tTest(_ left: ArraySlice<Double>, _ right: ArraySlice<Double>) -> Stats {
        func moments(_ s: ArraySlice<Double>) -> (mean: Double, sd: Double) {
            let mean = s.reduce(0, +) / Double(s.count)
            guard s.count >= 2 else { return (mean, 0) }
            return (mean, (s.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(s.count)).squareRoot())
        }
        let (m1, s1) = moments(left), (m2, s2) = moments(right)
        let n1 = Double(left.count), n2 = Double(right.count)
        var p = 1.0
        if left.count + right.count > 2 {
            let df = n1 + n2 - 2
            let pooled = ((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / df
            let t = (m1 - m2) / (pooled * (1 / n1 + 1 / n2)).squareRoot()
            if t.isNaN {
                p = 1
            } else if t.isInfinite {
                p = 0
            } else {
                p = min(1, 2 * Distributions.studentTSurvival(abs(t), df: df))
            }
        }
        return Stats(meanBefore: m1, meanAfter: m2, sdBefore: s1, sdAfter: s2, countBefore: left.count,
                     countAfter: right.count, pValue: p)
    }

    /// The E-statistic divergence q̂ of a split of one window, from column prefix sums of |x_i - x_j|.
    struct Divergence {
        let n: Int
        /// prefix[c * (n + 1) + r] = sum of |x_i - x_c| for i < r.
        private let prefix: [Double]

        init(_ x: [Double]) {
            n = x.count
            var p = [Double](repeating: 0, count: n * (n + 1))
            for c in 0 ..< n {
                for r in 0 ..< n { p[c * (n + 1) + r + 1] = p[c * (n + 1) + r] + abs(x[r] - x[c]) }
            }
            prefix = p
        }

        /// Sum of |x_i - x_c| for i in a ..< b.
        @inline(__always) private func column(_ c: Int, _ a: Int, _ b: Int) -> Double {
            prefix[c * (n + 1) + b] - prefix[c * (n + 1) + a]
        }

        /// The split τ of [lower, upper) that maximises q̂(x[lower..<τ], x[τ..<κ]) over τ < κ <= upper, with
        /// Otava's tie-breaking: the maximum is taken in row-major order over its (τ, κ) grid, whose cells
        /// with κ <= τ hold 0.
        func candidate(_ lower: Int, _ upper: Int) -> (index: Int, qhat: Double) {
            var best = (index: lower + 1, qhat: -Double.infinity)
            var withinX = 0.0
            for tau in lower + 1 ..< upper {
                withinX += column(tau - 1, lower, tau - 1)
                let nX = Double(tau - lower)
                // Cells before the diagonal of this row (κ <= τ) count as 0.
                if tau - lower > 1, best.qhat < 0 { best = (tau, 0) }
                var between = 0.0, withinY = 0.0
                for kappa in tau + 1 ... upper {
                    between += column(kappa - 1, lower, tau)
                    withinY += column(kappa - 1, tau, kappa - 1)
                    let mY = Double(kappa - tau), total = nX + mY
                    var q = 2 / total * between
                    if nX > 1 { q -= 2 * mY / (total * (nX - 1)) * withinX }
                    if mY > 1 { q -= 2 * nX / (total * (mY - 1)) * withinY }
                    if q > best.qhat { best = (tau, q) }
                }
            }
            return best
        }
    }
}
