import Foundation
import Results
import Statistics

/// What the gate says of one benchmark x measure.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case regression, improvement, unchanged, failed
    /// Too few runs, pairs or samples, or a run too noisy to judge.
    case needsData = "needs-data"
    case new, gone, waived
    /// Deterministic measures from different kernels or compilers.
    case notComparable = "not-comparable"

    /// The terminal marker: `+` worse, `-` better, `~` no significant change, `!` failed, `?` needs data.
    public var marker: String {
        switch self {
        case .regression: return "+"
        case .improvement: return "-"
        case .unchanged: return "~"
        case .failed: return "!"
        case .needsData: return "?"
        case .new: return "new"
        case .gone: return "gone"
        case .waived: return "waived"
        case .notComparable: return "n/c"
        }
    }
}

/// One row of a gate report.
public struct Finding: Codable, Equatable, Sendable {
    public var benchmark: String
    public var measure: String
    public var unit: String
    public var direction: Direction
    /// Baseline centre (mean of the baseline runs' medians; A/B: median of base samples), raw.
    public var base: Double?
    /// Head run's median, raw.
    public var head: Double?
    /// The change judged: head/base - 1, on the ratio to the reference when `normalized`.
    public var change: Double?
    /// The same change without normalization.
    public var rawChange: Double?
    public var normalized: Bool
    public var pValue: Double?
    /// After the multiple-comparison correction.
    public var adjustedP: Double?
    /// The smallest change (fraction) this comparison could have called a regression.
    public var minimumDetectableEffect: Double?
    /// Confidence interval of the head/base ratio (A/B: of the median ratio; stored: of the shift, from the
    /// t prediction interval).
    public var ratioLower: Double?
    public var ratioUpper: Double?
    /// Baseline runs (stored mode) or pairs (A/B) behind the verdict.
    public var observations: Int
    public var verdict: Verdict
    public var note: String

    public init(benchmark: String, measure: String, unit: String, direction: Direction, verdict: Verdict, note: String = "",
                observations: Int = 0) {
        self.benchmark = benchmark
        self.measure = measure
        self.unit = unit
        self.direction = direction
        self.normalized = false
        self.observations = observations
        self.verdict = verdict
        self.note = note
    }
}

extension Finding {
    /// The finding without its non-finite numbers (a zero baseline leaves a change undefined): reports and the
    /// verdict file see finite numbers only, and "-" where there is none.
    public func finite() -> Finding {
        var f = self
        func clean(_ x: inout Double?) { if let v = x, !v.isFinite { x = nil } }
        clean(&f.base); clean(&f.head); clean(&f.change); clean(&f.rawChange); clean(&f.pValue); clean(&f.adjustedP)
        clean(&f.minimumDetectableEffect); clean(&f.ratioLower); clean(&f.ratioUpper)
        if f.change == nil && change != nil { f.note += f.note.isEmpty ? "change undefined (a zero baseline)" : "; change undefined (a zero baseline)" }
        return f
    }
}

/// A whole comparison: findings, the geometric mean of the head/base ratios, and the exit status.
public struct GateReport: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, Sendable { case baseline, ab }
    public var mode: Mode
    public var testbed: String
    public var headRun: String
    public var baseRuns: [String]
    public var findings: [Finding]
    /// exp(mean(ln ratio)) over the timing findings with both sides (normalized where judged so).
    public var geomeanRatio: Double?

    public init(mode: Mode, testbed: String, headRun: String, baseRuns: [String], findings: [Finding], geomeanRatio: Double?) {
        self.mode = mode
        self.testbed = testbed
        self.headRun = headRun
        self.baseRuns = baseRuns
        self.findings = findings
        self.geomeanRatio = geomeanRatio
    }

    public var regressions: [Finding] { findings.filter { $0.verdict == .regression } }
    public var failures: [Finding] { findings.filter { $0.verdict == .failed } }

    /// 2 for a regression, 3 for a failed benchmark (which wins), else 0; `warnOnly` reports and passes.
    public func exitStatus(warnOnly: Bool) -> ExitStatus {
        var statuses: [ExitStatus] = []
        if !failures.isEmpty { statuses.append(.benchmarkFailed) }
        if !regressions.isEmpty && !warnOnly { statuses.append(.regression) }
        return ExitStatus.combined(statuses)
    }
}

/// Measures compared exactly (with a tolerance), not statistically: the same kernel and clang give the same value.
public let deterministicMeasures: Set<String> = ["memlock-bytes", "verified-insns", "xlated-bytes", "jited-bytes",
                                                  "verifier-limit-percent"]

public enum Gate {
    // MARK: stored baselines

    /// Judges `head` against the distribution of run summaries in `baseline` (runs, oldest first).
    /// Timing measures: the head run's median (divided by its reference's median when normalizing) against
    /// the baseline runs' values, by a prediction interval (Student t, n-1 df; with `speedAdjust` and at least
    /// `GateConfig.speedAdjustMinRuns` runs, of ln(value) regressed on ln(reference), n-2 df) or the
    /// configured Bencher model; a regression needs the corrected p below alpha and an interval of the change that reaches the
    /// minimum effect (a change shown to be smaller than it passes).
    ///
    /// `planned`: the benchmarks the head run was asked for (a profile or filter may select a subset); a
    /// baseline benchmark missing from the head is `gone` only if it was planned. nil: every benchmark of the
    /// head's suites counts as planned.
    public static func compare(baseline: [ResultsFile], head: ResultsFile, config: GateConfig, today: String,
                               planned: Set<String>? = nil) -> GateReport {
        var findings: [Finding] = []
        var tested: [(index: Int, p: Double)] = []
        let headBenchmarks = Dictionary(head.benchmarks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // References measure the machine's speed of the moment: shown, never gated.
        let references = Set(head.benchmarks.compactMap(\.reference))
        // Each baseline run's benchmarks by name, made once: looking them up by scanning made a comparison
        // quadratic in the number of benchmarks.
        let baseByName = baseline.map { run in Dictionary(run.benchmarks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }) }

        // Every benchmark x measure of the head, then what the baseline had and the head lacks.
        var keys: [(String, String)] = head.benchmarks.flatMap { b in b.measures.map { (b.name, $0.measure) } }
        var seen = Set(keys.map { "\($0.0)\u{1f}\($0.1)" })
        for run in baseline.reversed() {
            for b in run.benchmarks {
                for m in b.measures where seen.insert("\(b.name)\u{1f}\(m.measure)").inserted { keys.append((b.name, m.measure)) }
            }
        }

        for (name, measure) in keys {
            let headBenchmark = headBenchmarks[name]
            let headMeasure = headBenchmark?.measure(measure)
            let baseRuns = baseline.indices.compactMap { i -> (ResultsFile, BenchmarkResult, MeasureResult, [String: BenchmarkResult])? in
                guard let b = baseByName[i][name], let m = b.measure(measure) else { return nil }
                return (baseline[i], b, m, baseByName[i])
            }
            let template = headMeasure ?? baseRuns.last?.2
            guard let template else { continue }
            var f = Finding(benchmark: name, measure: measure, unit: template.unit, direction: template.direction, verdict: .unchanged)
            let okBase = baseRuns.filter { $0.2.status == .ok }

            guard let hm = headMeasure else {
                let suite = baseRuns.last?.1.suite ?? ""
                if (planned?.contains(name) ?? head.run.suites.contains(suite)) && !okBase.isEmpty {
                    f.verdict = .gone
                    f.note = "in the baseline, not in this run"
                    findings.append(f)
                }
                continue
            }
            if hm.status != .ok {
                if case let .failed(why) = hm.status {
                    f.verdict = .failed
                    f.note = why
                    findings.append(f)
                } else if !okBase.isEmpty {
                    f.verdict = .failed
                    f.note = "now \(hm.status.label): \(hm.status.reason ?? "")"
                    findings.append(f)
                }
                continue
            }
            guard let headSummary = Summary(hm.samples) else { continue }
            if !hm.flags.isEmpty && !deterministicMeasures.contains(measure) {
                // A measurement that failed its own check (e.g. in-kernel linearity) is shown, never gated.
                f.head = headSummary.median
                f.verdict = .needsData
                f.note = "not gated: flagged \(hm.flags.joined(separator: ", "))"
                findings.append(f)
                continue
            }
            f.head = headSummary.median
            if okBase.isEmpty {
                f.verdict = baseRuns.isEmpty ? .new : .new
                f.note = baseRuns.isEmpty ? "not in the baseline" : "no numbers in the baseline (\(baseRuns.last!.2.status.label))"
                findings.append(f)
                continue
            }
            let rule = config.rule(for: name, measure: measure)
            let baseMedians = okBase.compactMap { Descriptive.median($0.2.samples) }
            f.base = Descriptive.mean(baseMedians)
            f.observations = okBase.count
            if let base = f.base, base != 0 { f.rawChange = headSummary.median / base - 1 }

            if deterministicMeasures.contains(measure) {
                let last = okBase.last!.0
                if last.testbed.kernelRelease != head.testbed.kernelRelease || last.testbed.clangVersion != head.testbed.clangVersion {
                    f.verdict = .notComparable
                    f.note = "different kernel or clang: deterministic measures compare only within one"
                } else {
                    let base = Descriptive.median(okBase.last!.2.samples) ?? 0
                    f.base = base
                    f.change = base == 0 ? (headSummary.median == 0 ? 0 : .infinity) : headSummary.median / base - 1
                    f.rawChange = f.change
                    let tolerance = rule.tolerance ?? 0
                    f.minimumDetectableEffect = tolerance
                    f.verdict = judge(change: f.change!, direction: f.direction, band: tolerance, significant: true)
                    f.note = "exact comparison, tolerance \(percent(tolerance))"
                }
                findings.append(applyWaiver(f, config: config, today: today))
                continue
            }

            // Timing: normalized by the reference when every side has it.
            let normalize = (rule.normalize ?? config.normalize) && headBenchmark?.reference != nil
            var values = baseMedians
            var headValue = headSummary.median
            // What the spread check looks at: the per-round ratios when normalized (a speed change within the
            // run widens the raw samples, not what is judged).
            var judgedSamples = hm.samples
            // The machine's speed of each run (its reference's median), for the speed covariate.
            var speeds: (base: [Double], head: Double)?
            if normalize, let refName = headBenchmark?.reference,
               let headRef = headBenchmarks[refName]?.measure(measure), headRef.status == .ok,
               let headRatio = normalizedValue(hm, reference: headRef) {
                let base = okBase.compactMap { _, b, m, byName -> (ratio: Double, speed: Double)? in
                    guard let refName = b.reference, let ref = byName[refName]?.measure(measure),
                          ref.status == .ok, let ratio = normalizedValue(m, reference: ref), let speed = Descriptive.median(ref.samples)
                    else { return nil }
                    return (ratio, speed)
                }
                if base.count == okBase.count {
                    values = base.map(\.ratio)
                    headValue = headRatio
                    f.normalized = true
                    if let headSpeed = Descriptive.median(headRef.samples) { speeds = (base.map(\.speed), headSpeed) }
                    judgedSamples = roundRatios(hm, reference: headRef) ?? hm.samples
                } else {
                    f.note = "not normalized: a baseline run lacks the reference; "
                }
            }
            let n = values.count
            if n < config.minBaselineRuns {
                f.verdict = .needsData
                f.note += "needs >= \(config.minBaselineRuns) baseline runs, has \(n)"
                findings.append(f)
                continue
            }
            let judged = Summary(judgedSamples) ?? headSummary
            let spread = (judged.q3 - judged.q1) / max(judged.median, .leastNonzeroMagnitude)
            if spread > config.maxSpread {
                f.verdict = .needsData
                f.note += "this run is too noisy to judge: its IQR is \(percent(spread)) of its median (limit \(percent(config.maxSpread)))"
                findings.append(f)
                continue
            }
            let mean = Descriptive.mean(values)!
            let sd = Descriptive.standardDeviation(values) ?? 0
            f.change = headValue / mean - 1
            let minEffect = rule.minEffect ?? config.minEffect
            if references.contains(name) {
                f.verdict = .unchanged
                f.note += "reference: not gated (its change is the machine's speed of the moment)"
                findings.append(f)
                continue
            }

            if let model = rule.model ?? config.model {
                let history = Array(values.suffix(model.maxSampleSize))
                guard let limits = ThresholdModels.limits(model.test, history: history, lowerBoundary: model.lowerBoundary,
                                                          upperBoundary: model.upperBoundary) else {
                    f.verdict = .needsData
                    f.note += "\(model.test.rawValue) does not test with \(history.count) runs of spread \(sd)"
                    findings.append(f)
                    continue
                }
                let worseLimit = f.direction == .smallerIsBetter ? limits.upper : limits.lower
                f.minimumDetectableEffect = worseLimit.map { abs($0 / mean - 1) }
                switch ThresholdModels.alert(value: headValue, limits: limits) {
                case .aboveUpper?: f.verdict = f.direction == .smallerIsBetter ? .regression : .improvement
                case .belowLower?: f.verdict = f.direction == .smallerIsBetter ? .improvement : .regression
                case nil: f.verdict = .unchanged
                }
                f.note += "Bencher \(model.test.rawValue) over \(history.count) runs"
                findings.append(applyWaiver(f, config: config, today: today))
                continue
            }

            if config.speedAdjust, n >= GateConfig.speedAdjustMinRuns, let speeds,
               let fit = speedFit(values: values, speeds: speeds.base, headValue: headValue, headSpeed: speeds.head) {
                // ln(ratio) = a + b ln(speed): the head against the baseline runs at its own speed.
                let x0 = log(speeds.head), d = log(headValue) - fit.predict(x0), se = fit.predictionStandardError(at: x0)
                let t = Distributions.studentTQuantile(1 - config.alpha / 2, df: fit.degreesOfFreedom)
                f.change = exp(d) - 1
                f.pValue = fit.predictionPValue(y: log(headValue), at: x0)
                f.ratioLower = exp(d - t * se)
                f.ratioUpper = exp(d + t * se)
                let halfWidth = (f.ratioUpper! - f.ratioLower!) / 2
                f.minimumDetectableEffect = max(halfWidth, minEffect - halfWidth)
                f.note += "t prediction interval over \(n) runs at this run's speed (slope \(String(format: "%+.3f", fit.slope)))"
                tested.append((findings.count, f.pValue!))
                findings.append(f)
                continue
            }

            let scale = sd * (1 + 1 / Double(n)).squareRoot()
            let p: Double
            if scale > 0 {
                p = min(1, 2 * Distributions.studentTSurvival(abs(headValue - mean) / scale, df: Double(n - 1)))
            } else {
                p = headValue == mean ? 1 : 0
            }
            f.pValue = p
            // The (1 - alpha) interval of the shift: head - mean +- t * scale (the head is one draw, the mean
            // has its own error). A regression must be significant and not shown smaller than the minimum
            // effect (the interval reaches it), so a change of the minimum effect is caught with the power the
            // spread allows, and a change the interval puts wholly below it passes.
            let halfWidth = Distributions.studentTQuantile(1 - config.alpha / 2, df: Double(n - 1)) * scale / mean
            f.ratioLower = 1 + f.change! - halfWidth
            f.ratioUpper = 1 + f.change! + halfWidth
            f.minimumDetectableEffect = max(halfWidth, minEffect - halfWidth)
            f.note += "t prediction interval over \(n) runs"
            tested.append((findings.count, p))
            findings.append(f)
        }

        // Multiple comparisons across the run's tested metrics, then the verdicts.
        settle(&findings, tested, config: config) { f, significant in
            let minEffect = config.rule(for: f.benchmark, measure: f.measure).minEffect ?? config.minEffect
            let lo = f.ratioLower! - 1, hi = f.ratioUpper! - 1, change = f.change!
            // Significant, on the worse (better) side, and the interval reaches the minimum effect there.
            let worse = f.direction == .smallerIsBetter ? change > 0 && hi >= minEffect : change < 0 && lo <= -minEffect
            let better = f.direction == .smallerIsBetter ? change < 0 && lo <= -minEffect : change > 0 && hi >= minEffect
            f.verdict = significant && worse ? .regression : significant && better ? .improvement : .unchanged
            f = applyWaiver(f, config: config, today: today)
        }
        return GateReport(mode: .baseline, testbed: head.testbed.name, headRun: head.run.id, baseRuns: baseline.map(\.run.id),
                          findings: findings.map { $0.finite() }, geomeanRatio: geomean(findings).flatMap { $0.isFinite ? $0 : nil })
    }

    // MARK: same-run A/B

    /// One benchmark x measure timed A/B: sample i of base and head come from the same round.
    public struct PairedSamples: Sendable {
        public var benchmark: String
        public var base: MeasureResult
        public var head: MeasureResult
        /// Timed attached under traffic, each side several loads of its object (judged with `abAttachedMinEffect`).
        public var attached: Bool
        public init(benchmark: String, base: MeasureResult, head: MeasureResult, attached: Bool = false) {
            self.benchmark = benchmark
            self.base = base
            self.head = head
            self.attached = attached
        }
    }

    public static let minimumPairs = 6

    /// Judges paired samples: Wilcoxon signed-rank on ln(head/base), and the distribution-free confidence
    /// interval of the median ratio, which must lie wholly beyond the band (`abMinEffect`).
    public static func compareAB(_ pairs: [PairedSamples], testbed: String, headRun: String, config: GateConfig) -> GateReport {
        var findings: [Finding] = []
        var tested: [(index: Int, p: Double)] = []
        var bands: [String: Double] = [:]
        for pair in pairs {
            var f = Finding(benchmark: pair.benchmark, measure: pair.head.measure, unit: pair.head.unit, direction: pair.head.direction,
                            verdict: .unchanged)
            for (side, m) in [("head", pair.head), ("base", pair.base)] where m.status != .ok {
                f.verdict = .failed
                f.note += "\(side): \(m.status.label): \(m.status.reason ?? "") "
            }
            if f.verdict == .failed { findings.append(f); continue }
            let n = min(pair.base.samples.count, pair.head.samples.count)
            f.observations = n
            f.base = Descriptive.median(pair.base.samples)
            f.head = Descriptive.median(pair.head.samples)
            let ratios = zip(pair.head.samples, pair.base.samples).map { $0 / $1 }
            let band = config.rule(for: pair.benchmark, measure: f.measure).minEffect
                ?? (pair.attached ? max(config.abMinEffect, config.abAttachedMinEffect) : config.abMinEffect)
            bands[pair.benchmark + "\u{1f}" + f.measure] = band
            guard n >= minimumPairs, let ci = ConfidenceIntervals.median(ratios, level: 1 - config.alpha),
                  let median = Descriptive.median(ratios) else {
                f.verdict = .needsData
                f.note = "needs >= \(minimumPairs) pairs for a \(percent(1 - config.alpha)) interval, has \(n)"
                findings.append(f)
                continue
            }
            f.change = median - 1
            f.rawChange = f.change
            f.ratioLower = ci.lower
            f.ratioUpper = ci.upper
            f.minimumDetectableEffect = band + (ci.upper - ci.lower) / 2
            // All pairs equal (no nonzero difference): nothing to see, p = 1.
            let p = RankTests.wilcoxonSignedRank(ratios.map { log($0) }, alternative: .twoSided, method: .automatic)?.pValue ?? 1
            f.pValue = p
            f.note = "Wilcoxon signed-rank on \(n) ABBA pairs; ratio CI \(format(ci.lower))..\(format(ci.upper))"
            tested.append((findings.count, p))
            findings.append(f)
        }
        settle(&findings, tested, config: config) { f, significant in
            let band = bands[f.benchmark + "\u{1f}" + f.measure] ?? config.abMinEffect
            let lo = f.ratioLower! - 1, hi = f.ratioUpper! - 1
            // The whole interval beyond the band, on the worse or the better side.
            let worseBeyond = f.direction == .smallerIsBetter ? lo > band : hi < -band
            let betterBeyond = f.direction == .smallerIsBetter ? hi < -band : lo > band
            f.verdict = significant && worseBeyond ? .regression : significant && betterBeyond ? .improvement : .unchanged
        }
        return GateReport(mode: .ab, testbed: testbed, headRun: headRun, baseRuns: [], findings: findings.map { $0.finite() },
                          geomeanRatio: geomean(findings).flatMap { $0.isFinite ? $0 : nil })
    }

    // MARK: helpers

    /// A run's value relative to its reference: the median of the per-round ratios when both have one sample
    /// per round (a speed change within the run then cancels round by round), else the ratio of the medians.
    static func normalizedValue(_ m: MeasureResult, reference: MeasureResult) -> Double? {
        if let ratios = roundRatios(m, reference: reference) { return Descriptive.median(ratios) }
        guard let v = Descriptive.median(m.samples), let r = Descriptive.median(reference.samples), r > 0 else { return nil }
        return v / r
    }

    /// The fit of ln(normalized value) on ln(reference median) over the baseline runs, nil when a value is
    /// not positive or the speeds do not vary. The ratio to the reference cancels the machine's speed only
    /// where the operation and the reference scale alike: measured here, the VM runs in two speed modes
    /// (reference ~430 vs ~700 ns) and percpu-hash update/reference is 1.155 in one and 1.20 in the other.
    /// The fit takes that part out: over 50 runs the between-run SD of ln(ratio) fell from 1.96 % to 0.83 %
    /// for that benchmark, from 0.40 % to 0.36 % for hash lookups.
    static func speedFit(values: [Double], speeds: [Double], headValue: Double, headSpeed: Double) -> LinearFit? {
        guard headValue > 0, headSpeed > 0, values.allSatisfy({ $0 > 0 }), speeds.allSatisfy({ $0 > 0 }) else { return nil }
        return LinearFit(x: speeds.map { log($0) }, y: values.map { log($0) })
    }

    /// Sample i over reference sample i, when both have one sample per round and the reference is positive.
    static func roundRatios(_ m: MeasureResult, reference: MeasureResult) -> [Double]? {
        guard m.samples.count == reference.samples.count, reference.samples.allSatisfy({ $0 > 0 }) else { return nil }
        return zip(m.samples, reference.samples).map { $0 / $1 }
    }

    static func judge(change: Double, direction: Direction, band: Double, significant: Bool) -> Verdict {
        guard significant else { return .unchanged }
        let worse = direction == .smallerIsBetter ? change : -change
        if worse > band { return .regression }
        if worse < -band { return .improvement }
        return .unchanged
    }

    /// Corrects the tested findings' p-values for multiple comparisons, then lets `decide` set each verdict
    /// (given whether the corrected p is below alpha).
    static func settle(_ findings: inout [Finding], _ tested: [(index: Int, p: Double)], config: GateConfig,
                       decide: (inout Finding, Bool) -> Void) {
        let adjusted = adjust(tested.map(\.p), config.correction)
        for (k, entry) in tested.enumerated() {
            findings[entry.index].adjustedP = adjusted[k]
            decide(&findings[entry.index], adjusted[k] < config.alpha)
        }
    }

    static func adjust(_ p: [Double], _ correction: GateConfig.Correction) -> [Double] {
        switch correction {
        case .holm: return MultipleComparisons.holm(p)
        case .bh: return MultipleComparisons.benjaminiHochberg(p)
        case .none: return p
        }
    }

    static func applyWaiver(_ f: Finding, config: GateConfig, today: String) -> Finding {
        guard f.verdict == .regression, let w = config.waiver(for: f.benchmark, measure: f.measure, on: today) else { return f }
        var waived = f
        waived.verdict = .waived
        waived.note += "; waived until \(w.expires): \(w.reason)"
        return waived
    }

    static func geomean(_ findings: [Finding]) -> Double? {
        let logs = findings.compactMap { f -> Double? in
            guard !deterministicMeasures.contains(f.measure), !f.note.hasPrefix("reference"), let c = f.change, c > -1, c.isFinite,
                  [.regression, .improvement, .unchanged, .waived].contains(f.verdict) else { return nil }
            return log(1 + c)
        }
        guard let mean = Descriptive.mean(logs) else { return nil }
        return exp(mean)
    }

    public static func percent(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
    static func format(_ x: Double) -> String { String(format: "%.3f", x) }
}
