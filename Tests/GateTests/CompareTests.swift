import Configuration
import Foundation
import Gate
import Results
import Statistics
import Testing

@Suite struct CompareTests {
    static let today = "2026-11-22"

    static func finding(_ report: GateReport, _ name: String, _ measure: String = "latency") -> Finding? {
        report.findings.first { $0.benchmark == name && $0.measure == measure }
    }

    @Test func sameNumbers_areUnchangedAndPass() throws {
        let report = Comparison.stored(baseline: Build.baseline(), head: Build.run(id: 9, value: 200, reference: 100), config: GateConfig(), today: Self.today)
        let f = try #require(Self.finding(report, "b/x"))
        #expect(f.verdict == .unchanged)
        #expect(f.normalized)
        #expect(report.exitStatus(warnOnly: false) == .ok)
        #expect(Self.finding(report, "b/mem", "memlock-bytes")?.verdict == .unchanged)
    }

    @Test func twentyPercentSlower_isARegressionWithExit2() throws {
        let report = Comparison.stored(baseline: Build.baseline(), head: Build.run(id: 9, value: 240, reference: 100), config: GateConfig(), today: Self.today)
        let f = try #require(Self.finding(report, "b/x"))
        #expect(f.verdict == .regression, "\(f)")
        #expect(abs(f.change! - 0.2) < 0.02)
        #expect(f.adjustedP! < 0.05)
        let halfWidth = f.ratioUpper! - 1 - f.change!
        #expect(halfWidth > 0 && abs(f.ratioLower! - 1 - (f.change! - halfWidth)) < 1e-12)
        #expect(abs(f.minimumDetectableEffect! - max(halfWidth, 0.05 - halfWidth)) < 1e-12)
        #expect(report.exitStatus(warnOnly: false) == .regression)
        #expect(report.exitStatus(warnOnly: true) == .ok)
    }

    @Test func machineSpeedCancels_throughTheReference() throws {
        // Everything 35 % slower, the reference too: raw +35 %, normalized ~0.
        let report = Comparison.stored(baseline: Build.baseline(), head: Build.run(id: 9, value: 270, reference: 135), config: GateConfig(), today: Self.today)
        let f = try #require(Self.finding(report, "b/x"))
        #expect(f.verdict == .unchanged)
        #expect(f.rawChange! > 0.3)
        #expect(abs(f.change!) < 0.02)
        let ref = try #require(Self.finding(report, "b/ref"))
        #expect(ref.verdict == .unchanged && ref.note.contains("not gated"))
    }

    @Test func withoutNormalization_theSameRunRegressesOrNeedsMore() throws {
        var config = GateConfig()
        config.normalize = false
        let report = Comparison.stored(baseline: Build.baseline(), head: Build.run(id: 9, value: 400, reference: 200), config: config, today: Self.today)
        let f = try #require(Self.finding(report, "b/x"))
        #expect(!f.normalized)
        #expect(f.verdict == .regression)
    }

    @Test func fasterBeyondTheMinimumEffect_isAnImprovement() throws {
        let report = Comparison.stored(baseline: Build.baseline(), head: Build.run(id: 9, value: 150, reference: 100), config: GateConfig(), today: Self.today)
        #expect(Self.finding(report, "b/x")?.verdict == .improvement)
        #expect(report.exitStatus(warnOnly: false) == .ok)
    }

    @Test func significantButShownBelowTheMinimumEffect_isUnchanged() throws {
        var config = GateConfig()
        config.minEffect = 0.5
        let report = Comparison.stored(baseline: Build.baseline(), head: Build.run(id: 9, value: 240, reference: 100), config: config, today: Self.today)
        let f = try #require(Self.finding(report, "b/x"))
        #expect(f.adjustedP! < 0.05)
        #expect(f.ratioUpper! - 1 < 0.5)
        #expect(f.verdict == .unchanged)
        // The point estimate must reach the minimum effect less the interval's half width.
        let halfWidth = f.ratioUpper! - 1 - f.change!
        #expect(abs(f.minimumDetectableEffect! - (0.5 - halfWidth)) < 1e-12)
    }

    @Test func aChangeJustBelowTheMinimumEffect_whoseIntervalReachesIt_isARegression() throws {
        // Baseline x/ref wobbles ~0.8 %: the 95 % interval of the shift is about +-2.4 %. +4 % is
        // significant and not shown smaller than 5 %: a regression of the size the gate is for.
        let report = Comparison.stored(baseline: Build.baseline(), head: Build.run(id: 9, value: 208, reference: 100), config: GateConfig(), today: Self.today)
        let f = try #require(Self.finding(report, "b/x"))
        #expect(f.change! > 0.03 && f.change! < 0.05, "\(f)")
        #expect(f.ratioUpper! - 1 >= 0.05)
        #expect(f.verdict == .regression, "\(f)")
        // +3 % with a 10 % minimum effect: significant, but the interval ends below 10 %.
        var config = GateConfig()
        config.minEffect = 0.1
        let small = try #require(Self.finding(Comparison.stored(baseline: Build.baseline(), head: Build.run(id: 9, value: 206, reference: 100),
                                                             config: config, today: Self.today), "b/x"))
        #expect(small.adjustedP! < 0.05 && small.ratioUpper! - 1 < 0.1, "\(small)")
        #expect(small.verdict == .unchanged)
    }

    /// Twelve runs in two speed modes where the operation and the reference scale differently (as measured
    /// on this VM): x/ref is 1.20 when the reference takes 700 ns and 1.155 at 430 ns.
    static func twoModeBaseline() -> [ResultsFile] {
        let wobble = [1.0, 1.003, 0.998, 1.002, 0.997, 1.001, 0.999, 1.004, 0.996, 1.0, 1.002, 0.998]
        return (0 ..< 12).map { i in
            let slow = i % 3 != 0
            let ref = (slow ? 700.0 : 430.0) * (1 + Double(i % 4) * 0.01)
            return Build.run(id: i + 1, value: ref * (slow ? 1.20 : 1.155) * wobble[i], reference: ref, spread: 0.001)
        }
    }

    @Test func theSpeedCovariate_judgesTheHeadAtItsOwnSpeed() throws {
        var plain = GateConfig()
        plain.speedAdjust = false
        // +5 % in the fast mode: the plain interval spans both modes and misses it; the fit catches it.
        let slower = Build.run(id: 40, value: 430 * 1.155 * 1.05, reference: 430, spread: 0.001)
        let adjusted = try #require(Self.finding(Comparison.stored(baseline: Self.twoModeBaseline(), head: slower, config: GateConfig(),
                                                              today: Self.today), "b/x"))
        #expect(adjusted.verdict == .regression, "\(adjusted)")
        #expect(abs(adjusted.change! - 0.05) < 0.005, "\(adjusted)")
        #expect(adjusted.note.contains("at this run's speed"))
        #expect(adjusted.minimumDetectableEffect! < 0.05)
        let unadjusted = try #require(Self.finding(Comparison.stored(baseline: Self.twoModeBaseline(), head: slower, config: plain,
                                                                today: Self.today), "b/x"))
        #expect(unadjusted.verdict == .unchanged, "\(unadjusted)")
        #expect(unadjusted.ratioUpper! - unadjusted.ratioLower! > 4 * (adjusted.ratioUpper! - adjusted.ratioLower!))
        // The same code in either mode: no alarm, and the change the fit reports is near zero in both.
        for (ref, ratio) in [(430.0, 1.155), (700.0, 1.20)] {
            let same = Build.run(id: 41, value: ref * ratio, reference: ref, spread: 0.001)
            let f = try #require(Self.finding(Comparison.stored(baseline: Self.twoModeBaseline(), head: same, config: GateConfig(),
                                                           today: Self.today), "b/x"))
            #expect(f.verdict == .unchanged && abs(f.change!) < 0.01, "\(f)")
        }
        // Fewer runs than the fit needs: the plain interval, said so by the note.
        let few = Array(Self.twoModeBaseline().prefix(GateConfig.speedAdjustMinRuns - 1))
        let f = try #require(Self.finding(Comparison.stored(baseline: few, head: slower, config: GateConfig(), today: Self.today), "b/x"))
        #expect(!f.note.contains("speed") && f.note.contains("t prediction interval over 7 runs"), "\(f)")
    }

    @Test func tooFewBaselineRuns_needData() throws {
        let report = Comparison.stored(baseline: Array(Build.baseline().prefix(2)), head: Build.run(id: 9, value: 400), config: GateConfig(), today: Self.today)
        let f = try #require(Self.finding(report, "b/x"))
        #expect(f.verdict == .needsData)
        #expect(f.note.contains("needs >= 3 baseline runs, has 2"))
        #expect(report.exitStatus(warnOnly: false) == .ok)
    }

    @Test func aNoisyRun_isNotJudged() throws {
        let report = Comparison.stored(baseline: Build.baseline(), head: Build.run(id: 9, value: 400, spread: 0.9), config: GateConfig(), today: Self.today)
        let f = try #require(Self.finding(report, "b/x"))
        #expect(f.verdict == .needsData)
        #expect(f.note.contains("too noisy"))
    }

    /// The machine changes speed mode mid-run: the raw samples are bimodal (IQR ~50 % of the median), the
    /// per-round ratios are not. The spread check looks at what is judged.
    @Test func aSpeedChangeWithinTheRun_isNotNoiseWhenNormalized() throws {
        var head = Build.run(id: 9, value: 200, reference: 100)
        let speeds = (0 ..< 20).map { $0 % 2 == 0 ? 1.0 : 1.7 }
        head.benchmarks[0].measures[0].samples = speeds.map { 200 * $0 }
        head.benchmarks[1].measures[0].samples = speeds.map { 100 * $0 }
        let f = try #require(Self.finding(Comparison.stored(baseline: Build.baseline(), head: head, config: GateConfig(), today: Self.today), "b/x"))
        #expect(f.verdict == .unchanged && f.normalized, "\(f)")
        var raw = GateConfig()
        raw.normalize = false
        let r = try #require(Self.finding(Comparison.stored(baseline: Build.baseline(), head: head, config: raw, today: Self.today), "b/x"))
        #expect(r.verdict == .needsData && r.note.contains("too noisy"), "\(r)")
    }

    /// A measure that failed its own check (the in-kernel linearity test) is shown, never gated.
    @Test func aFlaggedMeasure_isNotGated() throws {
        var head = Build.run(id: 9, value: 400, reference: 100)
        head.benchmarks[0].measures[0].flags = ["nonlinear"]
        let f = try #require(Self.finding(Comparison.stored(baseline: Build.baseline(), head: head, config: GateConfig(), today: Self.today), "b/x"))
        #expect(f.verdict == .needsData && f.note == "not gated: flagged nonlinear", "\(f)")
    }

    @Test func newAndGoneBenchmarks_haveTheirOwnVerdicts() throws {
        let extra = BenchmarkResult(name: "b/new", suite: "s", measures: [Measure.latency.result([1, 2, 3])])
        let report = Comparison.stored(baseline: Build.baseline().map { r in var r = r; r.benchmarks.append(BenchmarkResult(name: "b/old", suite: "s", measures: [Measure.latency.result([5, 5])])); return r },
                                  head: Build.run(id: 9, value: 200, extra: [extra]), config: GateConfig(), today: Self.today)
        #expect(Self.finding(report, "b/new")?.verdict == .new)
        #expect(Self.finding(report, "b/old")?.verdict == .gone)
    }

    @Test func aFailedHead_exits3AndCarriesTheReason() throws {
        var head = Build.run(id: 9, value: 200)
        head.benchmarks[0].measures[0] = .without(.latency, .failed("verifier: R1 invalid mem access"))
        let report = Comparison.stored(baseline: Build.baseline(), head: head, config: GateConfig(), today: Self.today)
        let f = try #require(Self.finding(report, "b/x"))
        #expect(f.verdict == .failed && f.note.contains("invalid mem access"))
        #expect(report.exitStatus(warnOnly: true) == .benchmarkFailed)
    }

    @Test func waivers_holdUntilTheyExpire() throws {
        var config = GateConfig()
        config.waivers = [Waiver(benchmark: "b/x", measure: "latency", reason: "known cost of the new feature", expires: "2026-12-31")]
        let head = Build.run(id: 9, value: 240)
        let report = Comparison.stored(baseline: Build.baseline(), head: head, config: config, today: Self.today)
        #expect(Self.finding(report, "b/x")?.verdict == .waived)
        #expect(report.exitStatus(warnOnly: false) == .ok)
        let later = Comparison.stored(baseline: Build.baseline(), head: head, config: config, today: "2027-01-01")
        #expect(Self.finding(later, "b/x")?.verdict == .regression)
    }

    @Test func deterministicMeasures_compareExactlyWithTolerance() throws {
        let grown = Build.run(id: 9, value: 200, memlock: 8200)
        #expect(Self.finding(Comparison.stored(baseline: Build.baseline(), head: grown, config: GateConfig(), today: Self.today), "b/mem", "memlock-bytes")?.verdict == .regression)
        var config = GateConfig()
        config.rules = [Rule(benchmark: "^b/mem$", measure: "memlock-bytes", tolerance: 0.01)]
        #expect(Self.finding(Comparison.stored(baseline: Build.baseline(), head: grown, config: config, today: Self.today), "b/mem", "memlock-bytes")?.verdict == .unchanged)
        var otherKernel = Build.testbed
        otherKernel.kernelRelease = "6.19.0"
        let moved = Build.run(id: 9, value: 200, memlock: 9000, testbed: otherKernel)
        #expect(Self.finding(Comparison.stored(baseline: Build.baseline(), head: moved, config: GateConfig(), today: Self.today), "b/mem", "memlock-bytes")?.verdict == .notComparable)
    }

    @Test(arguments: ThresholdTest.allCases)
    func bencherModels_agreeWithTheirLimits(test: ThresholdTest) throws {
        var config = GateConfig()
        let boundary: Double = [.zScore, .tTest, .logNormal].contains(test) ? 0.99 : test == .staticValue ? 2.1 : test == .percentage ? 0.1 : 3
        config.model = ModelSpec(test: test, lowerBoundary: nil, upperBoundary: boundary)
        let base = Build.baseline()
        let values = base.map { r in Descriptive.median(r.benchmarks[0].measures[0].samples)! / Descriptive.median(r.benchmarks[1].measures[0].samples)! }
        let limits = try #require(ThresholdModels.limits(test, history: values, lowerBoundary: nil, upperBoundary: boundary))
        for value in [200.0, 300.0] {
            let report = Comparison.stored(baseline: base, head: Build.run(id: 9, value: value), config: config, today: Self.today)
            let f = try #require(Self.finding(report, "b/x"))
            let headRatio = Descriptive.median(Build.run(id: 9, value: value).benchmarks[0].measures[0].samples)!
                / Descriptive.median(Build.run(id: 9, value: value).benchmarks[1].measures[0].samples)!
            let expected: Verdict = ThresholdModels.alert(value: headRatio, limits: limits) == .aboveUpper ? .regression : .unchanged
            #expect(f.verdict == expected, "\(test) at \(value): \(f)")
            #expect(f.note.contains("Bencher \(test.rawValue)"))
        }
    }

    @Test func corrections_controlManyMetrics() throws {
        // 40 metrics, each 2.5 % off in a noisy baseline: individually some would pass alpha, corrected none.
        var head = Build.run(id: 9, value: 205)
        var base = Build.baseline()
        for i in 0 ..< 40 {
            let name = "b/m\(i)"
            head.benchmarks.append(BenchmarkResult(name: name, suite: "s", measures: [Measure.latency.result(Build.samples(102.5, seed: UInt64(i)))]))
            for r in base.indices {
                base[r].benchmarks.append(BenchmarkResult(name: name, suite: "s",
                                                         measures: [Measure.latency.result(Build.samples(100 * (1 + 0.01 * Double(r - 2)), seed: UInt64(i * 7 + r)))]))
            }
        }
        for correction in [GateConfig.Correction.holm, .bh] {
            var config = GateConfig()
            config.correction = correction
            let report = Comparison.stored(baseline: base, head: head, config: config, today: Self.today)
            #expect(report.regressions.isEmpty)
            let tested = report.findings.filter { $0.adjustedP != nil }
            #expect(tested.count == 41)
            #expect(tested.allSatisfy { $0.adjustedP! >= $0.pValue! })
        }
    }
}

@Suite struct CompareABTests {
    static func pair(_ base: [Double], _ head: [Double]) -> PairedSamples {
        PairedSamples(benchmark: "xdp/demo", base: Measure.latency.result(base), head: Measure.latency.result(head))
    }

    /// A program attached under traffic is several loads per side: a 2 % difference is within what the same
    /// object against itself showed, a 10 % one is not; the same 2 % in a test run is a regression.
    @Test func attachedPrograms_areJudgedAgainstTheirOwnBand() throws {
        let base = Build.samples(100, spread: 0.05, count: 30, seed: 5)
        for (shift, attached, expected) in [(1.02, true, Verdict.unchanged), (1.10, true, .regression), (1.02, false, .regression)] {
            let head = base.enumerated().map { $1 * shift * (1 + 0.002 * Double($0 % 3 - 1)) }
            let pair = PairedSamples(benchmark: "macro/xdp-demo/xdp", base: Measure.latency.result(base),
                                          head: Measure.latency.result(head), attached: attached)
            let f = try #require(Comparison.ab([pair], testbed: "tb", headRun: "h", config: GateConfig()).findings.first)
            #expect(f.verdict == expected, "x\(shift), attached \(attached): \(f)")
        }
    }

    @Test func tenPercentSlowerInEveryPair_isARegression() throws {
        let base = Build.samples(20, spread: 0.1, count: 30, seed: 3)
        let head = base.enumerated().map { $1 * 1.1 * (1 + 0.005 * Double($0 % 3 - 1)) }
        let report = Comparison.ab([Self.pair(base, head)], testbed: "tb", headRun: "h", config: GateConfig())
        let f = try #require(report.findings.first)
        #expect(f.verdict == .regression, "\(f)")
        #expect(f.ratioLower! > 1.01)
        #expect(report.exitStatus(warnOnly: false) == .regression)
    }

    @Test func identicalSides_areUnchanged() throws {
        let base = Build.samples(20, spread: 0.1, count: 30, seed: 3)
        let head = base.enumerated().map { $1 * (1 + 0.004 * Double($0 % 5 - 2)) }
        let f = try #require(Comparison.ab([Self.pair(base, head)], testbed: "tb", headRun: "h", config: GateConfig()).findings.first)
        #expect(f.verdict == .unchanged)
        #expect(f.ratioLower! <= 1 && f.ratioUpper! >= 1)
    }

    @Test func fewPairs_needData_andAFailedSide_fails() throws {
        let f = try #require(Comparison.ab([Self.pair([1, 2, 3], [1, 2, 3])], testbed: "tb", headRun: "h", config: GateConfig()).findings.first)
        #expect(f.verdict == .needsData && f.note.contains("needs >= 6 pairs"))
        let failed = PairedSamples(benchmark: "xdp/demo", base: Measure.latency.result([1, 2]), head: .without(.latency, .failed("load: EACCES")))
        let report = Comparison.ab([failed], testbed: "tb", headRun: "h", config: GateConfig())
        #expect(report.findings.first?.verdict == .failed)
        #expect(report.exitStatus(warnOnly: false) == .benchmarkFailed)
    }
}
