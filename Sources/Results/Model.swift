import Foundation

/// The results file: everything a run measured, with enough identity to know what it can be compared to.
/// BMF is derived from it (`BMF.document(from:)`), never the other way round.
public struct ResultsFile: Codable, Equatable, Sendable {
    /// Bumped on any change that an older reader would misread.
    public static let currentSchemaVersion = 1
    /// The largest magnitude a sample may have (1e15 ns is eleven days; 1e15 bytes a petabyte): larger ones
    /// are corrupt input, and would overflow the integer conversions of charts and line protocol.
    public static let largestSample = 1e15

    public var schemaVersion: Int
    public var testbed: Testbed
    public var run: RunMetadata
    public var benchmarks: [BenchmarkResult]

    public init(testbed: Testbed, run: RunMetadata, benchmarks: [BenchmarkResult]) {
        schemaVersion = Self.currentSchemaVersion
        self.testbed = testbed
        self.run = run
        self.benchmarks = benchmarks
    }
}

/// What makes numbers comparable: the same kernel, CPU, libraries and compiler. Never the commit.
public struct Testbed: Codable, Equatable, Hashable, Sendable {
    /// A short name: given by the user, or automatic (`Testbed.automaticName`).
    public var name: String
    public var kernelRelease: String
    public var architecture: String
    public var cpuModel: String
    public var cpuCount: Int
    public var libbpfVersion: String
    /// First line of `clang --version` of the compiler that built the BPF objects.
    public var clangVersion: String
    public var jitEnabled: Bool
    /// net.core.bpf_jit_harden: 0 off, 1 unprivileged only, 2 all; nil when it could not be read (it needs
    /// CAP_SYS_ADMIN), which is then part of the identity rather than a guessed 0.
    public var jitHarden: Int?

    public init(name: String? = nil, kernelRelease: String, architecture: String, cpuModel: String, cpuCount: Int,
                libbpfVersion: String, clangVersion: String, jitEnabled: Bool, jitHarden: Int?) {
        self.kernelRelease = kernelRelease
        self.architecture = architecture
        self.cpuModel = cpuModel
        self.cpuCount = cpuCount
        self.libbpfVersion = libbpfVersion
        self.clangVersion = clangVersion
        self.jitEnabled = jitEnabled
        self.jitHarden = jitHarden
        self.name = ""
        self.name = name ?? automaticName
    }

    /// The fields that define the identity, in a fixed order (the name is a label, not identity).
    public var identityFields: [String] {
        [kernelRelease, architecture, cpuModel, String(cpuCount), libbpfVersion, clangVersion,
         jitEnabled ? "jit" : "nojit", "harden\(jitHarden.map(String.init) ?? "?")"]
    }

    /// Whether two testbeds would give comparable numbers (same identity, whatever their names).
    public func isComparable(to other: Testbed) -> Bool { identityFields == other.identityFields }

    /// `<arch>-k<kernel release>-<n>cpu-<8 hex of the identity's FNV-1a hash>`, e.g.
    /// `x86_64-k6.18.44-2cpu-1a2b3c4d`: readable, and different whenever the identity differs.
    public var automaticName: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in identityFields.joined(separator: "\u{1f}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let release = kernelRelease.split(separator: "-").first.map(String.init) ?? kernelRelease
        let short = String(format: "%08x", UInt32(truncatingIfNeeded: hash ^ (hash >> 32)))
        return Naming.slug("\(architecture)-k\(release)-\(cpuCount)cpu-\(short)")
    }
}

/// What differs from run to run.
public struct RunMetadata: Codable, Equatable, Sendable {
    /// A UUID made once per run (later: the upload's idempotency key).
    public var id: String
    public var toolVersion: String
    /// ISO 8601 UTC.
    public var startedAt: String
    public var finishedAt: String
    public var durationSeconds: Double
    /// The benchmarked tree, when bpfgate ran inside a git work tree.
    public var git: GitState?
    public var bpfObjects: [ObjectDigest]
    /// Background load during the run, e.g. `["cpu:80"]`; empty for none.
    public var load: [String]
    public var suites: [String]
    /// The knobs that shaped the run (samples, batch size, map sizes ...), as text.
    public var settings: [String: String]

    public init(id: String, toolVersion: String, startedAt: String, finishedAt: String, durationSeconds: Double,
                git: GitState?, bpfObjects: [ObjectDigest], load: [String], suites: [String], settings: [String: String]) {
        self.id = id
        self.toolVersion = toolVersion
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationSeconds = durationSeconds
        self.git = git
        self.bpfObjects = bpfObjects
        self.load = load
        self.suites = suites
        self.settings = settings
    }
}

public struct GitState: Codable, Equatable, Sendable {
    public var commit: String
    public var dirty: Bool
    public init(commit: String, dirty: Bool) { self.commit = commit; self.dirty = dirty }
}

public struct ObjectDigest: Codable, Equatable, Sendable {
    public var name: String
    public var sha256: String
    public init(name: String, sha256: String) { self.name = name; self.sha256 = sha256 }
}

/// One benchmark (a stable hierarchical name) and its measures.
public struct BenchmarkResult: Codable, Equatable, Sendable {
    public var name: String
    public var suite: String
    public var measures: [MeasureResult]
    /// The reference benchmark timed interleaved with this one in the same rounds: the gate judges timing
    /// measures on their ratio to it (run-level drift cancels). nil for references and untimed measures.
    public var reference: String?
    /// What happened while measuring that a reader should know (e.g. window pairs timed again); written only
    /// when there is something.
    public var notes: [String] = []

    public init(name: String, suite: String, measures: [MeasureResult], reference: String? = nil, notes: [String] = []) {
        self.name = name
        self.suite = suite
        self.measures = measures
        self.reference = reference
        self.notes = notes
    }

    public func measure(_ slug: String) -> MeasureResult? { measures.first { $0.measure == slug } }

    private enum CodingKeys: String, CodingKey { case name, suite, measures, reference, notes }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        suite = try c.decode(String.self, forKey: .suite)
        measures = try c.decode([MeasureResult].self, forKey: .measures)
        reference = try c.decodeIfPresent(String.self, forKey: .reference)
        notes = try c.decodeIfPresent([String].self, forKey: .notes) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(suite, forKey: .suite)
        try c.encode(measures, forKey: .measures)
        try c.encodeIfPresent(reference, forKey: .reference)
        if !notes.isEmpty { try c.encode(notes, forKey: .notes) }
    }
}

/// Which way is better.
public enum Direction: String, Codable, Sendable {
    case smallerIsBetter = "smaller-is-better"
    case biggerIsBetter = "bigger-is-better"
}

/// Whether a measure produced numbers, and if not, why.
public enum Status: Equatable, Sendable {
    case ok
    /// The operation makes no sense for this subject (delete on an array).
    case notApplicable(String)
    /// The kernel or machine does not offer it.
    case unsupported(String)
    /// It should have worked and did not.
    case failed(String)

    public var label: String {
        switch self {
        case .ok: return "ok"
        case .notApplicable: return "not-applicable"
        case .unsupported: return "unsupported"
        case .failed: return "failed"
        }
    }

    public var reason: String? {
        switch self {
        case .ok: return nil
        case let .notApplicable(r), let .unsupported(r), let .failed(r): return r
        }
    }
}

/// One benchmark x measure: unit, direction, every raw sample, status and flags.
public struct MeasureResult: Codable, Equatable, Sendable {
    /// The BMF measure slug, e.g. `latency`, `memlock-bytes`.
    public var measure: String
    /// `ns`, `bytes`, ...
    public var unit: String
    public var direction: Direction
    /// Every sample, in the order taken; empty unless status is ok.
    public var samples: [Double]
    public var status: Status
    /// Marks that qualify the numbers (e.g. `nonlinear`); gating may exclude flagged measures.
    public var flags: [String]

    public init(measure: String, unit: String, direction: Direction, samples: [Double], status: Status = .ok,
                flags: [String] = []) {
        self.measure = measure
        self.unit = unit
        self.direction = direction
        self.samples = samples
        self.status = status
        self.flags = flags
    }

    /// A measure that has no numbers, with the reason.
    public static func without(_ measure: Measure, _ status: Status) -> MeasureResult {
        MeasureResult(measure: measure.slug, unit: measure.unit, direction: measure.direction, samples: [], status: status)
    }

    private enum CodingKeys: String, CodingKey { case measure, unit, direction, samples, status, reason, flags }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        measure = try c.decode(String.self, forKey: .measure)
        unit = try c.decode(String.self, forKey: .unit)
        direction = try c.decode(Direction.self, forKey: .direction)
        samples = try c.decode([Double].self, forKey: .samples)
        flags = try c.decodeIfPresent([String].self, forKey: .flags) ?? []
        let label = try c.decode(String.self, forKey: .status)
        let reason = try c.decodeIfPresent(String.self, forKey: .reason) ?? ""
        switch label {
        case "ok": status = .ok
        case "not-applicable": status = .notApplicable(reason)
        case "unsupported": status = .unsupported(reason)
        case "failed": status = .failed(reason)
        default:
            throw DecodingError.dataCorruptedError(forKey: .status, in: c, debugDescription: "unknown status '\(label)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(measure, forKey: .measure)
        try c.encode(unit, forKey: .unit)
        try c.encode(direction, forKey: .direction)
        try c.encode(samples, forKey: .samples)
        try c.encode(status.label, forKey: .status)
        try c.encodeIfPresent(status.reason, forKey: .reason)
        try c.encode(flags, forKey: .flags)
    }
}

/// A measure's slug with its unit and direction, declared once.
public struct Measure: Equatable, Sendable {
    public let slug: String
    public let unit: String
    public let direction: Direction
    /// The same kernel and clang give the same value (code size, verifier work, memlock): compared exactly,
    /// with a tolerance, not statistically.
    public let isDeterministic: Bool
    /// Why the gate shows this measure against a stored baseline but does not judge it (nil: it judges it): what it
    /// describes is not the program's, or it varies between runs far beyond any effect worth gating (ARCHITECTURE.md,
    /// decisions, 2026-11-30). Same-run A/B judges it.
    public let notGated: String?

    public init(slug: String, unit: String, direction: Direction, deterministic: Bool = false, notGated: String? = nil) {
        self.slug = slug
        self.unit = unit
        self.direction = direction
        isDeterministic = deterministic
        self.notGated = notGated
    }

    /// Whether the measure with this slug is deterministic (false for a slug bpfgate does not write).
    public static func isDeterministic(_ slug: String) -> Bool { named(slug)?.isDeterministic ?? false }

    /// Why the measure with this slug is not gated against stored runs (nil: gated, or a slug bpfgate does not write).
    public static func notGated(_ slug: String) -> String? { named(slug)?.notGated }

    /// Nanoseconds per operation (Bencher's built-in `latency`).
    public static let latency = Measure(slug: "latency", unit: "ns", direction: .smallerIsBetter)
    /// Bytes the kernel charges to memlock for a map.
    public static let memlockBytes = Measure(slug: "memlock-bytes", unit: "bytes", direction: .smallerIsBetter, deterministic: true)
    /// Kernel memory charged to the memory cgroup that created a map (`memory` suite): what the map really takes,
    /// beside `memlock-bytes`, what its map type accounts for.
    public static let chargedBytes = Measure(slug: "charged-bytes", unit: "bytes", direction: .smallerIsBetter,
                                             notGated: "a page or two of whatever else the process allocated meanwhile")
    /// A program's CPU at an event rate as its ns per event predicts it: ns x events/s, in percent of one CPU.
    public static let cpuPercentPredicted = Measure(slug: "cpu-percent-predicted", unit: "%", direction: .smallerIsBetter,
                                                    notGated: "a model's output; its latency is gated where it is measured")
    /// The same measured: the workload thread's CPU (CLOCK_THREAD_CPUTIME_ID) with the program attached minus without, at
    /// the same rate, in percent of one CPU.
    public static let cpuPercentMeasured = Measure(slug: "cpu-percent-measured", unit: "%", direction: .smallerIsBetter,
                                                   notGated: "a difference of two windows' CPU times: a check of the model")
    /// What bpf_stats adds to each run of a program while it is on (kernel CPU with it on minus off, per event).
    public static let statsOverheadNanoseconds = Measure(slug: "stats-overhead-ns", unit: "ns", direction: .smallerIsBetter,
                                                         notGated: "the kernel's cost, not the program's")

    /// Runs per second of a program loaded by another tool (`observe`).
    public static let runsPerSecond = Measure(slug: "runs-per-second", unit: "runs/s", direction: .biggerIsBetter,
                                              notGated: "the host's traffic, not the program's speed")
    /// Run time per second of a program loaded by another tool, in percent of one CPU (`observe`).
    public static let programCPUPercent = Measure(slug: "cpu-percent", unit: "%", direction: .smallerIsBetter)

    /// Events per second of a workload (macro suite: with the program attached).
    public static let throughput = Measure(slug: "throughput", unit: "events/s", direction: .biggerIsBetter)
    /// Time a program adds to each event of its workload: 1/rate_with - 1/rate_without.
    public static let overheadNanoseconds = Measure(slug: "overhead-ns", unit: "ns", direction: .smallerIsBetter)
    /// How much slower the workload runs with the program: rate_without/rate_with - 1, in percent.
    public static let overheadPercent = Measure(slug: "overhead-percent", unit: "%", direction: .smallerIsBetter)
    /// Instructions the verifier processed (`bpf_prog_info.verified_insns`; its limit is 1M).
    public static let verifiedInstructions = Measure(slug: "verified-insns", unit: "instructions", direction: .smallerIsBetter, deterministic: true)
    /// Wall time of `bpf_object__load` for the object with this one program (load + verify + JIT).
    public static let loadNanoseconds = Measure(slug: "load-ns", unit: "ns", direction: .smallerIsBetter,
                                                notGated: "load time varies ~12 % between runs here")
    /// Size of the JIT-compiled program (`bpf_prog_info.jited_prog_len`).
    public static let jitedBytes = Measure(slug: "jited-bytes", unit: "bytes", direction: .smallerIsBetter, deterministic: true)

    /// Size of the program after the verifier's rewrites (`bpf_prog_info.xlated_prog_len`).
    public static let xlatedBytes = Measure(slug: "xlated-bytes", unit: "bytes", direction: .smallerIsBetter, deterministic: true)
    /// Verified instructions as a share of the verifier's 1,000,000 limit: how close a program is to no
    /// longer loading.
    public static let verifierLimitPercent = Measure(slug: "verifier-limit-percent", unit: "%", direction: .smallerIsBetter, deterministic: true)
    /// Share of all CPU time the kernel spent in system, irq and softirq (/proc/stat) while the workload ran
    /// with the program attached.
    public static let systemCPUPercent = Measure(slug: "system-cpu-percent", unit: "%", direction: .smallerIsBetter)
    /// The same in the windows without the program (the workload alone).
    public static let systemCPUPercentBase = Measure(slug: "system-cpu-percent-base", unit: "%", direction: .smallerIsBetter,
                                                     notGated: "the workload alone: the machine's, not the program's")
    /// bpfgate's resident set (/proc/self/statm) after the benchmark's windows, consumer buffers included.
    public static let rssBytes = Measure(slug: "rss-bytes", unit: "bytes", direction: .smallerIsBetter,
                                         notGated: "bpfgate's own memory, which holds more in a check (its baseline) than in a run")

    /// Events a user-space consumer received per second from a ring buffer or perf buffer, with the program
    /// attached.
    public static let consumedPerSecond = Measure(slug: "consumed", unit: "events/s", direction: .biggerIsBetter,
                                                  notGated: "the consumer's rate varies ~12 % between runs here")
    /// Events lost on the way to the consumer (reserve or output failed, perf records lost), as a share of
    /// all events the program tried to submit.
    public static let dropPercent = Measure(slug: "drop-percent", unit: "%", direction: .smallerIsBetter,
                                            notGated: "mostly 0: a relative change says nothing")

    /// Every measure bpfgate writes: a slug read back from BMF or InfluxDB gets its unit and direction here.
    public static let all: [Measure] = [
        latency, memlockBytes, throughput, overheadNanoseconds, overheadPercent, verifiedInstructions, loadNanoseconds,
        jitedBytes, xlatedBytes, verifierLimitPercent, systemCPUPercent, systemCPUPercentBase, rssBytes,
        consumedPerSecond, dropPercent, chargedBytes, cpuPercentPredicted, cpuPercentMeasured, statsOverheadNanoseconds,
        runsPerSecond, programCPUPercent,
    ]

    /// The measure with this slug, if bpfgate writes it.
    public static func named(_ slug: String) -> Measure? { all.first { $0.slug == slug } }

    /// A result with samples.
    public func result(_ samples: [Double], flags: [String] = []) -> MeasureResult {
        MeasureResult(measure: slug, unit: unit, direction: direction, samples: samples, status: .ok, flags: flags)
    }
}
