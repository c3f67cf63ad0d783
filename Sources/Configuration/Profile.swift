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
    /// Same-run A/B times the XDP demo for this many pairs per sample of the profile (unless --samples is given):
    /// A/B resolves small changes from its pairs, a stored run from its runs.
    public var abDemoPairsFactor = 3

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
    /// What `check` leaves to the study profile, to finish in <= 85 s here, chosen by what each benchmark can detect
    /// per second it takes (ARCHITECTURE.md, decisions, 2026-11-30): the user-map batch operations (too noisy to see
    /// 5 %), two helper programs the kernel suite times directly, the ring and perf buffer programs (their latency
    /// varies 37-224 % between runs; the kernel suite times their helpers), TCP traffic, the slow demo (an A/B
    /// calibration), the middle helper sizes, and the in-kernel cases whose net cost is a few nanoseconds or less
    /// (array lookups, the cheapest helpers, 4 KB ring buffer copies: 6-230 % between runs).
    public static let gateFilter = "^(?!user/map/[^/]+/[^/]+/(batch-|reference-batch$))"
        + "(?!macro/(get-current-comm|probe-read-kernel-str|ringbuf-[0-9]+|perfbuf-[0-9]+|xdp-demo-slow)/)(?!macro/count-tcp/)"
        + "(?!kernel/helper/[a-z_]+/(256|1024)(/reference)?$)"
        + "(?!kernel/map/(percpu-)?array/[0-9]+/[a-z0-9]+/lookup(-miss)?(/reference)?$)"
        + "(?!kernel/helper/(get_smp_processor_id|plain_add_percpu|atomic_add_shared|get_prandom_u32|map_lookup_percpu_elem"
        + "|get_current_pid_tgid|ringbuf_output/4096|ringbuf_reserve_submit/4096)(/reference)?$)"

    /// The map operations the guide times under load: the common map types, single-element operations, 1024 entries.
    public static let guideLoadFilter = "^(user/map/(hash|array|percpu-hash|percpu-array|lru-hash)/1024/(update|lookup|delete|insert|reference)"
        + "|kernel/map/(hash|array|percpu-hash|percpu-array|lru-hash)/1024/full/(lookup|update)(/reference)?)$"

    public static let defaultProfiles: [String: Profile] = [
        // The gate profile's sample counts and what it leaves out are justified in ARCHITECTURE.md, decisions
        // (2026-11-22, 2026-11-30): xdp-demo 30 ABBA pairs (300 in A/B), user-maps 300 rounds without the batch ops
        // (`run --profile study` times them), macro 12 windows of 40 ms, kernel 20 batches of ~10 ms, maps full.
        "gate": {
            var p = Profile(suites: SuiteName.gated, filter: Self.gateFilter, samples: 30, warmup: 2, batch: nil,
                            sizes: [1024], repeatCount: 300_000)
            p.suiteSamples = [SuiteName.userMaps.rawValue: 300, SuiteName.macro.rawValue: 12, SuiteName.kernel.rawValue: 20]
            p.fills = [100]
            p.abDemoPairsFactor = 10
            return p
        }(),
        // Your programs too (not their maps) when the configuration declares objects: the pre-commit hook's A/B of a
        // project with its own build (the suite runs only with declarations or --object).
        "quick": Profile(suites: [SuiteName.userMaps.rawValue, SuiteName.xdpDemo.rawValue, SuiteName.objects.rawValue],
                         filter: "^user/map/(hash|array)/1024/(update|lookup|reference)$|^xdp/|^object/[^/]+/(?!map/)",
                         samples: 20, warmup: 1, batch: nil, sizes: [1024], repeatCount: 100_000),
        // `bpfgate guide` measuring its own runs (ci/bench/guide-time.sh: the whole guide within 15 minutes here): every
        // hook, helper, event buffer and map type idle, what maps take and what programs cost at fixed rates.
        "guide": {
            var p = Profile(suites: [SuiteName.userMaps, .kernel, .macro, .memory, .capacity].map(\.rawValue),
                            filter: "^(?!macro/(count-tcp|xdp-demo|xdp-demo-slow)/)", samples: 30, warmup: 2, batch: nil,
                            sizes: [1024, 65536], repeatCount: nil)
            p.suiteSamples = [SuiteName.userMaps.rawValue: 100, SuiteName.macro.rawValue: 12, SuiteName.kernel.rawValue: 20]
            p.fills = [10, 100]
            return p
        }(),
        // The guide's map operations again under each background load (`guide` adds --load cpu:80, then vm:75).
        "guide-load": {
            var p = Profile(suites: [SuiteName.userMaps, .kernel].map(\.rawValue), filter: Self.guideLoadFilter, samples: 20, warmup: 2,
                            batch: nil, sizes: [1024], repeatCount: nil)
            p.suiteSamples = [SuiteName.userMaps.rawValue: 100]
            p.fills = [100]
            return p
        }(),
        "study": {
            var p = Profile(suites: SuiteName.all, filter: nil, samples: 100, warmup: 3, batch: nil,
                            sizes: [1024, 65536], repeatCount: 300_000)
            p.suiteSamples = [SuiteName.macro.rawValue: 50, SuiteName.kernel.rawValue: 50]
            p.fills = [10, 50, 100]
            return p
        }(),
    ]
}
