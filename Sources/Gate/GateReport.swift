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
    /// How a reference's row says it is shown, never gated (its change is the machine's speed).
    public static let referenceNote = "reference: not gated"
    /// How a row of a measure the gate shows but does not judge against stored runs says so (`Measure.notGated`).
    public static let shownNote = "shown, not gated"

    /// A row the gate judges: every one but a reference's and a shown measure's.
    public var isGated: Bool { !note.contains(Self.referenceNote) && !note.contains(Self.shownNote) }

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

    /// The gated rows with a verdict other than `?` (needs data), as a share of the gated rows.
    public var judgedShare: Double? {
        let gated = findings.filter(\.isGated)
        return gated.isEmpty ? nil : Double(gated.filter { $0.verdict != .needsData }.count) / Double(gated.count)
    }

    /// The median minimum detectable effect of the gated rows that have one (`timings`: of the timing rows only; exact
    /// measures detect any change beyond their tolerance).
    public func medianMDE(timings: Bool = false) -> Double? {
        Descriptive.median(findings.filter { $0.isGated && !(timings && Measure.isDeterministic($0.measure)) }
            .compactMap(\.minimumDetectableEffect))
    }
    public var failures: [Finding] { findings.filter { $0.verdict == .failed } }

    /// 2 for a regression, 3 for a failed benchmark (which wins), else 0; `warnOnly` reports and passes.
    public func exitStatus(warnOnly: Bool) -> ExitStatus {
        var statuses: [ExitStatus] = []
        if !failures.isEmpty { statuses.append(.benchmarkFailed) }
        if !regressions.isEmpty && !warnOnly { statuses.append(.regression) }
        return ExitStatus.combined(statuses)
    }
}
