/// Adjusted p-values for testing many benchmarks at once, so that 50 metrics at alpha 0.05 do not
/// raise ~2.5 false alarms per run. Both return the adjusted values in the input's order.
public enum MultipleComparisons {
    /// Holm's step-down adjustment (controls the family-wise error rate): the i-th smallest p becomes
    /// max over j <= i of min(1, (m - j + 1) p_(j)), so the result is monotone in p and capped at 1.
    public static func holm(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var runningMax = 0.0
        for (rank, index) in order.enumerated() {
            runningMax = max(runningMax, min(1, Double(m - rank) * p[index]))
            adjusted[index] = runningMax
        }
        return adjusted
    }

    /// Benjamini-Hochberg adjustment (controls the false discovery rate), equal to
    /// `scipy.stats.false_discovery_control(p, method='bh')`: p_(i) m / i, then a running minimum
    /// from the largest p down, clipped to [0, 1].
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let m = p.count
        // scipy returns a single p-value (or none) unchanged.
        guard m > 1 else { return p }
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var runningMin = Double.infinity
        for rank in stride(from: m - 1, through: 0, by: -1) {
            let index = order[rank]
            runningMin = min(runningMin, p[index] * (Double(m) / Double(rank + 1)))
            adjusted[index] = min(max(runningMin, 0), 1)
        }
        return adjusted
    }
}
