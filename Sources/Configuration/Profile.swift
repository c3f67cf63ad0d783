import BPFCatalog
import Results

/// What a profile runs.
public struct Profile: Equatable, Sendable {
    public var suites: [String]?
    public var filter: String?
    /// Samples per benchmark for every suite, unless `suiteSamples` names the suite.
    public var samples: Int?
    public var suiteSamples: [String: Int] = [:]
    public var warmup: Int?
    public var batch: Int?
    public var sizes: [Int]?
    public var repeatCount: Int?
    /// Fill levels (percent) of the in-kernel suite's maps.
    public var fills: [Int]?

    public init(suites: [String]? = nil, filter: String? = nil, samples: Int? = nil, warmup: Int? = nil, batch: Int? = nil,
                sizes: [Int]? = nil, repeatCount: Int? = nil) {
        self.suites = suites
        self.filter = filter
        self.samples = samples
        self.warmup = warmup
        self.batch = batch
        self.sizes = sizes
        self.repeatCount = repeatCount
    }

    /// The sample count of `suite` in this profile, if it sets one.
    public func samples(for suite: String) -> Int? { suiteSamples[suite] ?? samples }
}

extension GateConfig {
    /// What `check` leaves to the study profile, to finish in <= 120 s here: the user-map batch operations
    /// (too noisy to see 5 %), two helper programs the kernel suite times directly, the middle event sizes
    /// of ring and perf buffers (64 B and 4 KB stay), and TCP on all but tc.
    public static let gateFilter = "^(?!user/map/[^/]+/[^/]+/(batch-|reference-batch$))"
        + "(?!macro/(get-current-comm|probe-read-kernel-str)/)(?!macro/(ringbuf|perfbuf)-(256|1024)/)"
        + "(?!macro/count-tcp/(\(Hook.allCases.filter { $0.isPacket && $0 != .tc }.map(\.slug).joined(separator: "|")))$)"
        + "(?!kernel/helper/[a-z_]+/(256|1024)(/reference)?$)"

    public static let defaultProfiles: [String: Profile] = [
        // The gate profile's sample counts and what it leaves out are justified in ARCHITECTURE.md, decisions
        // (2026-11-22): xdp-demo 100 ABBA pairs, user-maps 300 rounds without the batch ops (`run --profile
        // study` times them), macro 12 windows of 40 ms, kernel 20 batches of ~10 ms, maps full.
        "gate": {
            var p = Profile(suites: SuiteName.all, filter: Self.gateFilter, samples: 100, warmup: 2, batch: nil,
                            sizes: [1024], repeatCount: 300_000)
            p.suiteSamples = [SuiteName.userMaps.rawValue: 300, SuiteName.macro.rawValue: 12, SuiteName.kernel.rawValue: 20]
            p.fills = [100]
            return p
        }(),
        // Your programs too (not their maps) when the configuration declares objects: the pre-commit hook's A/B of a
        // project with its own build (the suite runs only with declarations or --object).
        "quick": Profile(suites: [SuiteName.userMaps.rawValue, SuiteName.xdpDemo.rawValue, SuiteName.objects.rawValue],
                         filter: "^user/map/(hash|array)/1024/(update|lookup|reference)$|^xdp/|^object/[^/]+/(?!map/)",
                         samples: 20, warmup: 1, batch: nil, sizes: [1024], repeatCount: 100_000),
        "study": {
            var p = Profile(suites: SuiteName.all, filter: nil, samples: 100, warmup: 3, batch: nil,
                            sizes: [1024, 65536], repeatCount: 300_000)
            p.suiteSamples = [SuiteName.macro.rawValue: 50, SuiteName.kernel.rawValue: 50]
            p.fills = [10, 50, 100]
            return p
        }(),
    ]
}
