import Configuration
import Foundation
import Results
import Statistics

// The judges of one benchmark x measure. Each fills in a finding: a final verdict, or a p-value that the
// comparison corrects across the run before `decide` sets the verdict.

/// Deterministic measures (code size, verifier work, memlock): the head against the last baseline run, exactly,
/// within a tolerance.
struct ExactTolerance {
    let base: Double
    let head: Double
    let tolerance: Double

    func judge(_ f: inout Finding) {
        f.base = base
        let change = base == 0 ? (head == 0 ? 0 : .infinity) : head / base - 1
        f.change = change
        f.rawChange = change
        f.minimumDetectableEffect = tolerance
        let worse = f.direction == .smallerIsBetter ? change : -change
        f.verdict = worse > tolerance ? .regression : worse < -tolerance ? .improvement : .unchanged
        f.note = "exact comparison, tolerance \(Comparison.percent(tolerance))"
    }
}

/// A Bencher threshold model over the most recent runs (`ModelSpec`): limits from the history, the head's value
/// outside them is a regression or improvement.
struct BencherModel {
    let spec: ModelSpec
    let values: [Double]
    let head: Double

    func judge(_ f: inout Finding) {
        let history = Array(values.suffix(spec.maxSampleSize))
        guard let limits = ThresholdModels.limits(spec.test, history: history, lowerBoundary: spec.lowerBoundary,
                                                  upperBoundary: spec.upperBoundary) else {
            f.verdict = .needsData
            f.note += "\(spec.test.rawValue) does not test with \(history.count) runs of spread \(Descriptive.standardDeviation(values) ?? 0)"
            return
        }
        let mean = Descriptive.mean(values) ?? 0
        let worseLimit = f.direction == .smallerIsBetter ? limits.upper : limits.lower
        f.minimumDetectableEffect = worseLimit.map { abs($0 / mean - 1) }
        switch ThresholdModels.alert(value: head, limits: limits) {
        case .aboveUpper?: f.verdict = f.direction == .smallerIsBetter ? .regression : .improvement
        case .belowLower?: f.verdict = f.direction == .smallerIsBetter ? .improvement : .regression
        case nil: f.verdict = .unchanged
        }
        f.note += "Bencher \(spec.test.rawValue) over \(history.count) runs"
    }
}

/// The head against the baseline runs' values by a Student t prediction interval (n - 1 df): the head is one
/// draw, the mean has its own error.
struct PredictionInterval {
    let values: [Double]
    let head: Double
    let alpha: Double
    let minEffect: Double

    /// Sets change, p, the (1 - alpha) interval of the shift and the MDE; returns the p-value to correct.
    func judge(_ f: inout Finding) -> Double {
        let n = values.count
        let mean = Descriptive.mean(values)!
        let sd = Descriptive.standardDeviation(values) ?? 0
        f.change = head / mean - 1
        let scale = sd * (1 + 1 / Double(n)).squareRoot()
        let p: Double
        if scale > 0 {
            p = min(1, 2 * Distributions.studentTSurvival(abs(head - mean) / scale, df: Double(n - 1)))
        } else {
            p = head == mean ? 1 : 0
        }
        f.pValue = p
        let halfWidth = Distributions.studentTQuantile(1 - alpha / 2, df: Double(n - 1)) * scale / mean
        f.ratioLower = 1 + f.change! - halfWidth
        f.ratioUpper = 1 + f.change! + halfWidth
        f.minimumDetectableEffect = max(halfWidth, minEffect - halfWidth)
        f.note += "t prediction interval over \(n) runs"
        return p
    }

    /// A regression must be significant and not shown smaller than the minimum effect (the interval reaches it
    /// on the worse side), so a change of the minimum effect is caught with the power the spread allows, and a
    /// change the interval puts wholly below it passes. Also the rule of `SpeedAdjustedFit`.
    static func decide(_ f: inout Finding, significant: Bool, minEffect: Double) {
        let lo = f.ratioLower! - 1, hi = f.ratioUpper! - 1, change = f.change!
        let worse = f.direction == .smallerIsBetter ? change > 0 && hi >= minEffect : change < 0 && lo <= -minEffect
        let better = f.direction == .smallerIsBetter ? change < 0 && lo <= -minEffect : change > 0 && hi >= minEffect
        f.verdict = significant && worse ? .regression : significant && better ? .improvement : .unchanged
    }
}

/// The head against the baseline runs at the head run's own machine speed: ln(normalized value) regressed on
/// ln(reference median) over the baseline runs, the head's residual judged by the fit's prediction interval
/// (n - 2 df). The ratio to the reference cancels the machine's speed only where the operation and the reference
/// scale alike; the fit takes the rest out (ARCHITECTURE.md, decisions).
struct SpeedAdjustedFit {
    let fit: LinearFit
    let head: Double
    let headSpeed: Double
    let alpha: Double
    let minEffect: Double

    /// nil when a value or speed is not positive or the speeds do not vary.
    init?(values: [Double], speeds: [Double], head: Double, headSpeed: Double, alpha: Double, minEffect: Double) {
        guard head > 0, headSpeed > 0, values.allSatisfy({ $0 > 0 }), speeds.allSatisfy({ $0 > 0 }),
              let fit = LinearFit(x: speeds.map { log($0) }, y: values.map { log($0) }) else { return nil }
        self.fit = fit
        self.head = head
        self.headSpeed = headSpeed
        self.alpha = alpha
        self.minEffect = minEffect
    }

    func judge(_ f: inout Finding) -> Double {
        let x0 = log(headSpeed), d = log(head) - fit.predict(x0), se = fit.predictionStandardError(at: x0)
        let t = Distributions.studentTQuantile(1 - alpha / 2, df: fit.degreesOfFreedom)
        f.change = exp(d) - 1
        let p = fit.predictionPValue(y: log(head), at: x0)
        f.pValue = p
        f.ratioLower = exp(d - t * se)
        f.ratioUpper = exp(d + t * se)
        let halfWidth = (f.ratioUpper! - f.ratioLower!) / 2
        f.minimumDetectableEffect = max(halfWidth, minEffect - halfWidth)
        f.note += "t prediction interval over \(fit.count) runs at this run's speed (slope \(String(format: "%+.3f", fit.slope)))"
        return p
    }
}

/// Same-run A/B: sample i of base and head come from the same round. Wilcoxon signed-rank on ln(head/base), and
/// the distribution-free confidence interval of the median ratio, which must lie wholly beyond the band.
struct PairedWilcoxon {
    static let minimumPairs = 6
    let base: [Double]
    let head: [Double]
    let alpha: Double
    let band: Double

    /// Sets the medians, change, interval and MDE; returns the p-value to correct, or nil with a needs-data
    /// verdict when there are too few pairs.
    func judge(_ f: inout Finding) -> Double? {
        let n = min(base.count, head.count)
        f.observations = n
        f.base = Descriptive.median(base)
        f.head = Descriptive.median(head)
        let ratios = zip(head, base).map { $0 / $1 }
        guard n >= Self.minimumPairs, let ci = ConfidenceIntervals.median(ratios, level: 1 - alpha),
              let median = Descriptive.median(ratios) else {
            f.verdict = .needsData
            f.note = "needs >= \(Self.minimumPairs) pairs for a \(Comparison.percent(1 - alpha)) interval, has \(n)"
            return nil
        }
        f.change = median - 1
        f.rawChange = f.change
        f.ratioLower = ci.lower
        f.ratioUpper = ci.upper
        f.minimumDetectableEffect = band + (ci.upper - ci.lower) / 2
        // All pairs equal (no nonzero difference): nothing to see, p = 1.
        let p = RankTests.wilcoxonSignedRank(ratios.map { log($0) }, alternative: .twoSided, method: .automatic)?.pValue ?? 1
        f.pValue = p
        f.note = "Wilcoxon signed-rank on \(n) ABBA pairs; ratio CI \(String(format: "%.3f", ci.lower))..\(String(format: "%.3f", ci.upper))"
        return p
    }

    /// The whole interval beyond the band, on the worse or the better side.
    static func decide(_ f: inout Finding, significant: Bool, band: Double) {
        let lo = f.ratioLower! - 1, hi = f.ratioUpper! - 1
        let worseBeyond = f.direction == .smallerIsBetter ? lo > band : hi < -band
        let betterBeyond = f.direction == .smallerIsBetter ? hi < -band : lo > band
        f.verdict = significant && worseBeyond ? .regression : significant && betterBeyond ? .improvement : .unchanged
    }
}
