import Foundation
import Statistics

/// A Bencher threshold model chosen for a measure or benchmark (see `ThresholdModels`).
public struct ModelSpec: Equatable, Sendable {
    public var test: ThresholdTest
    public var lowerBoundary: Double?
    public var upperBoundary: Double?
    /// How many of the most recent history runs the model reads (Bencher's max_sample_size).
    public var maxSampleSize: Int
    public init(test: ThresholdTest, lowerBoundary: Double?, upperBoundary: Double?, maxSampleSize: Int = 64) {
        self.test = test
        self.lowerBoundary = lowerBoundary
        self.upperBoundary = upperBoundary
        self.maxSampleSize = maxSampleSize
    }
}

/// Settings for the benchmarks whose name matches `benchmark` (a regex) and, if given, `measure`.
public struct Rule: Equatable, Sendable {
    public var benchmark: String
    public var measure: String?
    public var minEffect: Double?
    public var model: ModelSpec?
    /// For deterministic measures: the change allowed, as a fraction (0: exact).
    public var tolerance: Double?
    public var normalize: Bool?

    public init(benchmark: String, measure: String? = nil, minEffect: Double? = nil, model: ModelSpec? = nil,
                tolerance: Double? = nil, normalize: Bool? = nil) {
        self.benchmark = benchmark
        self.measure = measure
        self.minEffect = minEffect
        self.model = model
        self.tolerance = tolerance
        self.normalize = normalize
    }
}

/// How a project builds its BPF objects: a shell command run at the top of a checkout, and the folder (relative to
/// that top) where the objects appear (`*.o`; A/B matches them to your objects by file name).
public struct BuildRecipe: Equatable, Sendable {
    public var command: String
    public var objects: String
    public init(command: String, objects: String) {
        self.command = command
        self.objects = objects
    }

    /// Why `folder` cannot be the objects folder (it must stay inside the checkout), or nil.
    public static func problem(withObjects folder: String) -> String? {
        if folder.isEmpty { return "is empty" }
        if folder.hasPrefix("/") { return "'\(folder)' must be relative to the top of the repository" }
        if folder.split(separator: "/").contains("..") { return "'\(folder)' must stay inside the repository (no '..')" }
        return nil
    }
}

/// A known regression let through, with a reason, until a date.
public struct Waiver: Equatable, Sendable {
    public var benchmark: String
    public var measure: String
    public var reason: String
    /// YYYY-MM-DD (UTC), the last day it applies.
    public var expires: String

    public init(benchmark: String, measure: String, reason: String, expires: String) {
        self.benchmark = benchmark
        self.measure = measure
        self.reason = reason
        self.expires = expires
    }
}

/// The gate's configuration (`bpfgate.json`), with the defaults documented in the README.
public struct GateConfig: Equatable, Sendable {
    public enum Correction: String, Sendable { case holm, bh, none }

    /// Smallest change reported as a regression against stored baselines (fraction).
    public var minEffect = 0.05
    /// Smallest change in the same-run A/B mode, whose ratios are far tighter.
    public var abMinEffect = 0.01
    /// Smallest A/B change of a program attached under traffic (macro and your objects): each side is several
    /// loads of its object, whose JIT images differ (ARCHITECTURE.md, decisions).
    public var abAttachedMinEffect = 0.03
    public var alpha = 0.05
    /// Benjamini-Hochberg by default: it finds more small changes than Holm with no more false alarms
    /// (ARCHITECTURE.md, decisions).
    public var correction = Correction.bh
    /// Judge timing measures on their ratio to the reference timed in the same rounds.
    public var normalize = true
    /// Judge normalized values at the head run's own machine speed: regress ln(value / reference) on
    /// ln(reference) over the baseline runs (from `speedAdjustMinRuns` of them), see `SpeedAdjustedFit`.
    public var speedAdjust = true
    /// Below this many baseline runs the fit's own error (and the lost degree of freedom) costs more than the
    /// speed dependence it removes (ARCHITECTURE.md, decisions).
    public static let speedAdjustMinRuns = 8
    /// Baseline runs needed before a verdict (fewer: `?`).
    public var minBaselineRuns = 3
    /// Runs `baseline save` and a first `check` record: from 8 on the speed covariate applies
    /// (`speedAdjustMinRuns`); 10 leave room above it (ARCHITECTURE.md, decisions).
    public var baselineRuns = 10
    /// Runs kept per testbed (oldest dropped), 1...1000.
    public var history = 64
    /// A run whose interquartile range exceeds this fraction of its median is too noisy to judge.
    public var maxSpread = 0.5
    /// nil: the built-in test (prediction interval of the baseline runs, Student t).
    public var model: ModelSpec?
    public var rules: [Rule] = []
    public var waivers: [Waiver] = []
    public var profiles: [String: Profile] = GateConfig.defaultProfiles
    /// Benchmarks over the user's own objects (suite `objects`).
    public var objects: [ObjectDeclaration] = []
    /// How the project builds its BPF objects for `--ab` (nil: bpfgate compiles `bpf/*.bpf.c` itself).
    public var build: BuildRecipe?

    public init() {}

    /// The settings that apply to one benchmark x measure: the last matching rule wins per field.
    public func rule(for benchmark: String, measure: String) -> Rule {
        var merged = Rule(benchmark: benchmark, measure: measure, minEffect: nil, model: nil, tolerance: nil, normalize: nil)
        for r in rules where (r.measure == nil || r.measure == measure) && (try? Regex(r.benchmark).firstMatch(in: benchmark)) != nil {
            merged.minEffect = r.minEffect ?? merged.minEffect
            merged.model = r.model ?? merged.model
            merged.tolerance = r.tolerance ?? merged.tolerance
            merged.normalize = r.normalize ?? merged.normalize
        }
        return merged
    }

    /// The waiver for this benchmark x measure that is in force on `day` (YYYY-MM-DD), if any.
    public func waiver(for benchmark: String, measure: String, on day: String) -> Waiver? {
        waivers.first { $0.benchmark == benchmark && $0.measure == measure && $0.expires >= day }
    }
}
