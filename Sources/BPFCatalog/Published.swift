/// Published cost estimates to set beside bpfgate's measurements (ns per event or call, as published: the cost-model
/// study this project grew from, which cites kernel patches, Brendan Gregg's books and blog, BCC's documents and the
/// LPC 2019 ring-buffer talk; often estimates, not measurements). A measurement outside its range is news, not an error.
public struct PublishedRange: Equatable, Sendable, Codable {
    public let low: Double
    public let high: Double
    public let source: String
    /// nil: ns.
    public let unit: String?

    public init(_ low: Double, _ high: Double, unit: String? = nil, source: String = "cost-model study (REFERENCE.md)") {
        self.low = low
        self.high = high
        self.unit = unit
        self.source = source
    }

    public func contains(_ value: Double) -> Bool { value >= low && value <= high }
    public var text: String { (low == high ? Self.format(low) : "\(Self.format(low))-\(Self.format(high))") + " " + (unit ?? "ns") }
    static func format(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}

/// The one table of published estimates, keyed as bpfgate names what it measures.
public enum Published {
    /// Per event, by hook family.
    public static let hooks: [Hook: PublishedRange] = [
        .fentry: PublishedRange(5, 15), .fexit: PublishedRange(5, 15), .tpBTF: PublishedRange(12, 25), .lsm: PublishedRange(8, 20),
        .rawTracepoint: PublishedRange(10, 20), .tracepoint: PublishedRange(15, 30), .kprobe: PublishedRange(30, 50),
        .kretprobe: PublishedRange(50, 80), .uprobe: PublishedRange(100, 500),
    ]

    /// In-kernel map lookups by map type (bpfgate's map type slugs).
    public static let lookups: [String: PublishedRange] = [
        "array": PublishedRange(20, 40), "percpu-array": PublishedRange(15, 30), "hash": PublishedRange(50, 100),
        "lru-hash": PublishedRange(60, 120),
    ]

    /// Any map update.
    public static let update = PublishedRange(30, 150)

    /// Per call, by helper (bpfgate's kernel/helper names).
    public static let helpers: [String: PublishedRange] = [
        "ktime_get_ns": PublishedRange(10, 30), "probe_read_kernel": PublishedRange(50, 200), "probe_read_kernel_str": PublishedRange(100, 500),
        "get_stackid": PublishedRange(500, 2000),
    ]

    /// What bpf_stats adds to each run while it is on.
    public static let statsOverhead = PublishedRange(20, 20, source: "kernel commit 492ecee892c2 (REFERENCE.md)")

    /// Memlock of a hash map of 10240 entries, u32 -> u64, with and without preallocation (one 6.x kernel, as published
    /// by the seeds' study), by bpfgate's `memory` benchmark names.
    public static let mapMemory: [String: PublishedRange] = [
        "memory/map/hash/10240/8/empty": PublishedRange(931_712, 931_712, unit: "B", source: "seeds' study (REFERENCE.md)"),
        "memory/map/hash-noprealloc/10240/8/empty": PublishedRange(340_864, 340_864, unit: "B", source: "seeds' study (REFERENCE.md)"),
    ]

    /// Event submission by record size in bytes: perf buffer and ring buffer (single values as published; some
    /// extrapolated by the study), as ranges of one value.
    public static let perfBufferOutput: [Int: PublishedRange] = [64: PublishedRange(400, 400), 128: PublishedRange(500, 500),
        256: PublishedRange(700, 700), 512: PublishedRange(1000, 1000), 1024: PublishedRange(1500, 1500), 4096: PublishedRange(5000, 5000)]
    public static let ringBufferOutput: [Int: PublishedRange] = [64: PublishedRange(200, 200), 128: PublishedRange(250, 250),
        256: PublishedRange(350, 350), 512: PublishedRange(450, 450), 1024: PublishedRange(600, 600), 4096: PublishedRange(2000, 2000)]
}
