import Configuration
import Foundation
import Results
import Statistics

/// One benchmark x measure timed A/B: sample i of base and head come from the same round.
public struct PairedSamples: Sendable {
    public var benchmark: String
    public var base: MeasureResult
    public var head: MeasureResult
    /// Each side several loads of its object whose pairs cluster by load: attached under traffic, or your packet
    /// programs' test runs (judged with `abAttachedMinEffect`).
    public var attached: Bool
    public init(benchmark: String, base: MeasureResult, head: MeasureResult, attached: Bool = false) {
        self.benchmark = benchmark
        self.base = base
        self.head = head
        self.attached = attached
    }
}

/// A whole comparison: which judge each benchmark x measure gets, the correction for multiple comparisons,
/// waivers and the geometric mean. The judges are in `Judges.swift`.
public enum Comparison {
    // MARK: stored baselines

    /// Judges `head` against the distribution of run summaries in `baseline` (runs, oldest first).
    /// Deterministic measures: `ExactTolerance`. Timing measures: the head run's median (divided by its
    /// reference's median when normalizing) against the baseline runs' values, by the configured Bencher model
    /// (`BencherModel`), else at the head run's speed (`SpeedAdjustedFit`, with `speedAdjust` and at least
    /// `GateConfig.speedAdjustMinRuns` runs), else by a prediction interval (`PredictionInterval`).
    ///
    /// `planned`: the benchmarks the head run was asked for (a profile or filter may select a subset); a
    /// baseline benchmark missing from the head is `gone` only if it was planned. nil: every benchmark of the
    /// head's suites counts as planned.
    public static func stored(baseline: [ResultsFile], head: ResultsFile, config: GateConfig, today: String,
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
            guard let template = headMeasure ?? baseRuns.last?.2 else { continue }
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
            f.head = headSummary.median
            if !hm.flags.isEmpty && !Measure.isDeterministic(measure) {
                // A measurement that failed its own check (e.g. in-kernel linearity) is shown, never gated.
                f.verdict = .needsData
                f.note = "not gated: flagged \(hm.flags.joined(separator: ", "))"
                findings.append(f)
                continue
            }
            guard let lastOK = okBase.last else {
                f.verdict = .new
                f.note = baseRuns.isEmpty ? "not in the baseline" : "no numbers in the baseline (\(baseRuns.last!.2.status.label))"
                findings.append(f)
                continue
            }
            let rule = config.rule(for: name, measure: measure)
            let baseMedians = okBase.compactMap { Descriptive.median($0.2.samples) }
            f.base = Descriptive.mean(baseMedians)
            f.observations = okBase.count
            if let base = f.base, base != 0 { f.rawChange = headSummary.median / base - 1 }

            if Measure.isDeterministic(measure) {
                if lastOK.0.testbed.kernelRelease != head.testbed.kernelRelease || lastOK.0.testbed.clangVersion != head.testbed.clangVersion {
                    f.verdict = .notComparable
                    f.note = "different kernel or clang: deterministic measures compare only within one"
                } else {
                    ExactTolerance(base: Descriptive.median(lastOK.2.samples) ?? 0, head: headSummary.median, tolerance: rule.tolerance ?? 0)
                        .judge(&f)
                }
                findings.append(applyWaiver(f, config: config, today: today))
                continue
            }

            // Timing: normalized by the reference when every side has it.
            let normalize = (rule.normalize ?? (config.normalize && SuiteName.judgesRatioToReference(headBenchmark?.suite ?? "")))
                && headBenchmark?.reference != nil
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
            if let why = Measure.notGated(measure), rule.minEffect == nil, rule.model == nil {
                f.change = Descriptive.mean(values).map { headValue / $0 - 1 }
                f.note += "\(Finding.shownNote): \(why)"
                findings.append(f)
                continue
            }
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
            f.change = headValue / Descriptive.mean(values)! - 1
            let minEffect = rule.minEffect ?? config.minEffect
            if references.contains(name) {
                f.verdict = .unchanged
                f.note += Finding.referenceNote + " (its change is the machine's speed of the moment)"
                findings.append(f)
                continue
            }
            if let model = rule.model ?? config.model {
                BencherModel(spec: model, values: values, head: headValue).judge(&f)
                findings.append(f.verdict == .needsData ? f : applyWaiver(f, config: config, today: today))
                continue
            }
            let p: Double
            if config.speedAdjust, n >= GateConfig.speedAdjustMinRuns, let speeds,
               let fit = SpeedAdjustedFit(values: values, speeds: speeds.base, head: headValue, headSpeed: speeds.head,
                                          alpha: config.alpha, minEffect: minEffect) {
                p = fit.judge(&f)
            } else {
                p = PredictionInterval(values: values, head: headValue, alpha: config.alpha, minEffect: minEffect).judge(&f)
            }
            tested.append((findings.count, p))
            findings.append(f)
        }

        // Multiple comparisons across the run's tested metrics, then the verdicts.
        settle(&findings, tested, config: config) { f, significant in
            let minEffect = config.rule(for: f.benchmark, measure: f.measure).minEffect ?? config.minEffect
            PredictionInterval.decide(&f, significant: significant, minEffect: minEffect)
            f = applyWaiver(f, config: config, today: today)
        }
        return GateReport(mode: .baseline, testbed: head.testbed.name, headRun: head.run.id, baseRuns: baseline.map(\.run.id),
                          findings: findings.map { $0.finite() },
                          geomeanRatio: geomean(findings, excluding: references).flatMap { $0.isFinite ? $0 : nil })
    }

    // MARK: same-run A/B

    /// Judges paired samples (`PairedWilcoxon`) against the band: `abMinEffect`, or `abAttachedMinEffect` for
    /// programs attached under traffic, unless a rule sets the minimum effect.
    public static func ab(_ pairs: [PairedSamples], testbed: String, headRun: String, config: GateConfig) -> GateReport {
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
            let band = config.rule(for: pair.benchmark, measure: f.measure).minEffect
                ?? (pair.attached ? max(config.abMinEffect, config.abAttachedMinEffect) : config.abMinEffect)
            bands[pair.benchmark + "\u{1f}" + f.measure] = band
            if let p = PairedWilcoxon(base: pair.base.samples, head: pair.head.samples, alpha: config.alpha, band: band).judge(&f) {
                tested.append((findings.count, p))
            }
            findings.append(f)
        }
        settle(&findings, tested, config: config) { f, significant in
            PairedWilcoxon.decide(&f, significant: significant, band: bands[f.benchmark + "\u{1f}" + f.measure] ?? config.abMinEffect)
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

    /// Sample i over reference sample i, when both have one sample per round and the reference is positive.
    static func roundRatios(_ m: MeasureResult, reference: MeasureResult) -> [Double]? {
        guard m.samples.count == reference.samples.count, reference.samples.allSatisfy({ $0 > 0 }) else { return nil }
        return zip(m.samples, reference.samples).map { $0 / $1 }
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

    /// Over the timing findings with a verdict, except the references (the machine's speed, not a change).
    static func geomean(_ findings: [Finding], excluding references: Set<String> = []) -> Double? {
        let logs = findings.compactMap { f -> Double? in
            guard !Measure.isDeterministic(f.measure), !references.contains(f.benchmark), let c = f.change, c > -1, c.isFinite,
                  [.regression, .improvement, .unchanged, .waived].contains(f.verdict) else { return nil }
            return log(1 + c)
        }
        guard let mean = Descriptive.mean(logs) else { return nil }
        return exp(mean)
    }

    public static func percent(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
}
