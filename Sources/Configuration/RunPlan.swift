import Foundation
import Results

/// What the user asked for on the command line (data only): the selection options of `run`, `list`, `check`
/// and `baseline`. nil or empty: not given.
public struct RunFlags: Equatable, Sendable {
    public var profile: String?
    public var suites: [String] = []
    public var filter: String?
    public var samples: Int?
    public var warmup: Int?
    public var batch: Int?
    public var sizes: [Int]?
    public var objectDirectory: String?
    public var load: [String] = []
    public var objectFiles: [String] = []
    /// Your objects' tracing programs with their siblings attached (`--together`).
    public var together = false
    /// Captures of your own (`--pcap`), inputs of your packet programs' test runs.
    public var pcaps: [String] = []

    public init() {}
}

/// What a run does, resolved once from the built-in defaults, a profile and the flags (flags win over the
/// profile, the profile over each suite's defaults). A child run gets it whole (`run --plan FILE`), not as
/// arguments to parse again. nil: the suite's own default.
public struct RunPlan: Codable, Equatable, Sendable {
    /// The profile it came from, if any (for the record).
    public var profile: String?
    public var suites: [String]
    /// Benchmark names must match this regex (searched, not anchored); nil for all.
    public var filter: String?
    /// Samples per suite.
    public var samples: [String: Int] = [:]
    /// Warm-up rounds of the user-space and XDP demo suites; `kernelWarmup` only when the flag gave it.
    public var warmup: Int?
    public var kernelWarmup: Int?
    public var batch: Int?
    public var sizes: [Int]?
    public var fills: [Int]?
    public var repeatCount: Int?
    public var objectDirectory: String?
    /// Your objects' tracing programs measured with their siblings attached (nil: the default, each alone).
    public var together: Bool?
    /// Your object files, absolute, and the configuration's declarations over them.
    public var objectFiles: [String] = []
    public var declarations: [ObjectDeclaration] = []
    /// Captures of your own, absolute: inputs of your packet programs' test runs besides the standard frames.
    public var pcaps: [String] = []
    /// Background load scenarios (`cpu:P`, `vm:P`).
    public var load: [String] = []
    public var testbed: String?

    public init(suites: [String]) { self.suites = suites }

    /// Why a selection cannot be run: exit 64 in one line.
    public struct Invalid: Error, CustomStringConvertible, ExitStatusProviding {
        public let description: String
        public init(_ description: String) { self.description = description }
        public var exitStatus: ExitStatus { .usage }
    }

    /// The plan of `flags` under `config`: the named profile (or `defaultProfile`), then the flags. With only
    /// `--object` files and no profile named, the objects suite alone. `knownSuites` are the suites that exist.
    public static func resolve(_ flags: RunFlags, config: GateConfig, defaultProfile: String? = nil, testbed: String? = nil,
                               knownSuites: [String] = SuiteName.all) throws -> RunPlan {
        var profile = Profile()
        let name = flags.profile ?? defaultProfile
        if let name {
            guard let p = config.profiles[name] else {
                throw Invalid("unknown profile '\(name)'; known: \(config.profiles.keys.sorted().joined(separator: ", "))")
            }
            profile = p
        }
        let suites = !flags.suites.isEmpty ? flags.suites : !flags.objectFiles.isEmpty && flags.profile == nil ? [SuiteName.objects.rawValue]
            : (profile.suites ?? knownSuites.filter(SuiteName.runsByDefault))
        for s in suites where !knownSuites.contains(s) {
            throw Invalid("the profile names an unknown suite '\(s)'; known: \(knownSuites.joined(separator: ", "))")
        }
        if let samples = flags.samples, samples < 2 { throw Invalid("--samples must be at least 2") }
        if let warmup = flags.warmup ?? profile.warmup, warmup < 0 { throw Invalid("--warmup must be 0 or more") }
        if let batch = flags.batch ?? profile.batch, !(1 ... 1_000_000).contains(batch) { throw Invalid("--batch must be between 1 and 1000000") }
        var plan = RunPlan(suites: suites)
        plan.profile = name
        plan.filter = flags.filter ?? profile.filter
        for suite in knownSuites {
            if let n = flags.samples ?? profile.samples(for: suite) { plan.samples[suite] = n }
        }
        plan.warmup = flags.warmup ?? profile.warmup
        plan.kernelWarmup = flags.warmup
        plan.batch = flags.batch ?? profile.batch
        plan.sizes = flags.sizes ?? profile.sizes
        plan.fills = profile.fills
        plan.repeatCount = profile.repeatCount
        plan.objectDirectory = flags.objectDirectory
        plan.objectFiles = flags.objectFiles.map { FilePath.absolute($0) }
        plan.together = flags.together ? true : nil
        plan.pcaps = flags.pcaps.map { FilePath.absolute($0) }
        plan.declarations = config.objects
        plan.load = flags.load
        plan.testbed = testbed
        return plan
    }

    /// Reads a plan written by `write(to:)` (a child run's `--plan FILE`); unreadable or malformed: exit 65.
    public static func read(path: String) throws -> RunPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BadInputError(path: path, problem: "cannot read the run plan")
        }
        do { return try JSONDecoder().decode(RunPlan.self, from: data) } catch {
            throw BadInputError(path: path, problem: "not a run plan: \(error)")
        }
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
