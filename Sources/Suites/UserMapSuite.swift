import BPF
import BPFCatalog
import Foundation
import Harness
import Results
import Statistics

/// The maps of the user-space suite: every type `MapTypeFacts` says is timed from user space, by its slug in
/// benchmark names, and the hash map without preallocation.
public enum MapKind: String, CaseIterable, Sendable {
    case hash
    case array
    case percpuHash = "percpu-hash"
    case percpuArray = "percpu-array"
    case lruHash = "lru-hash"
    case lruPercpuHash = "lru-percpu-hash"
    case hashNoPrealloc = "hash-noprealloc"

    public var mapType: MapType {
        self == .hashNoPrealloc ? .hash : MapType.known.first { $0.facts?.slug == rawValue } ?? .hash
    }

    /// Hash maps get `BPF_F_ZERO_SEED`: the kernel otherwise seeds each map's hash at random, so the
    /// bucket chains (and with them every hash operation's cost) differ from run to run: a between-run noise
    /// no reference cancels. A fixed seed times one fixed layout in every run. Needs CAP_SYS_ADMIN; without
    /// it (EPERM) the suite falls back to a random seed, as the run's settings say.
    public var flags: MapFlags {
        var f: MapFlags = self == .hashNoPrealloc ? [.noPrealloc] : []
        if !mapType.isArray { f.insert(.zeroSeed) }
        return f
    }
    var isLRU: Bool { mapType.isLRU }
}

/// The operations timed from user space, one `bpf(2)` call per element (batch ops: one call per batch).
public enum MapOperation: String, CaseIterable, Sendable {
    /// BPF_ANY over an existing key.
    case update
    /// Lookup of a present key.
    case lookup
    /// Lookup of a key that was never inserted.
    case lookupMiss = "lookup-miss"
    /// `bpf_map_update_batch` of existing keys; ns per element.
    case batchUpdate = "batch-update"
    /// `bpf_map_lookup_batch` of the next `batch` elements, walking on through the map; ns per element.
    case batchLookup = "batch-lookup"
    /// Delete of a present key.
    case delete
    /// BPF_NOEXIST of the keys just deleted (so the map stays full).
    case insert

    /// Why the operation makes no sense for `kind`, or nil when it does.
    public func notApplicableReason(for type: MapType) -> String? {
        guard type.isArray else { return nil }
        switch self {
        case .delete: return "array elements cannot be deleted (the kernel answers EINVAL)"
        case .insert: return "array elements always exist (BPF_NOEXIST answers EEXIST)"
        case .lookupMiss: return "every index below max_entries exists; a larger one is a bounds check, not a miss"
        default: return nil
        }
    }
}

/// One map the suite times: its benchmark name prefix and how to create and fill it.
public struct MapSpec: Sendable {
    /// e.g. `user/map/hash/1024`; leaves (`update`, `reference`, `full`, ...) follow.
    public var prefix: String
    public var type: MapType
    public var keySize = 4
    public var valueSize = 8
    public var maxEntries: Int
    public var flags: MapFlags
    /// Keys inserted before timing: every entry, LRU maps only a share (they evict before they are full).
    public var fillCount: Int
    var isLRU: Bool { type.isLRU }

    public init(prefix: String, type: MapType, keySize: Int, valueSize: Int, maxEntries: Int, flags: MapFlags, fillCount: Int) {
        self.prefix = prefix
        self.type = type
        self.keySize = keySize
        self.valueSize = valueSize
        self.maxEntries = maxEntries
        self.flags = flags
        self.fillCount = fillCount
    }

    init(kind: MapKind, size: Int, lruFillPercent: Int) {
        self.init(prefix: UserMapSuite.benchmarkName(kind, size, "").dropLast().description, type: kind.mapType, keySize: 4,
                  valueSize: 8, maxEntries: size, flags: kind.flags,
                  fillCount: kind.isLRU ? max(1, size * lruFillPercent / 100) : size)
    }
}

/// Settings of the user-space map suite.
public struct UserMapConfig: Sendable {
    public var kinds: [MapKind] = MapKind.allCases
    public var sizes: [Int] = [1024, 65536]
    /// Timed samples per benchmark (after warm-up).
    public var samples = 20
    /// Untimed rounds before the samples.
    public var warmup = 2
    /// Operations per sample: the same for every map type and size, on distinct keys (a delete cannot hit
    /// the same key twice), so at most the keys of the least-filled map (`maxBatch`).
    public var batch = 512
    /// How full LRU maps are filled, in percent. An LRU map evicts before it is full (each CPU takes free
    /// nodes from the shared list in chunks of LOCAL_FREE_TARGET = 128 and the map shrinks when fewer are
    /// free), so at 100 % every update would evict a key that a later lookup expects: at 50 % hits stay hits.
    public var lruFillPercent = 50
    /// Seed of the fixed pseudo-random key order.
    public var seed: UInt64 = 0x6270_6667_6174_6521

    public init() {}

    /// The largest batch every map of these sizes can take: the smallest LRU fill.
    public var maxBatch: Int { max(1, (sizes.min() ?? 1) * lruFillPercent / 100) }

    public var settings: [String: String] {
        ["user-maps.samples": String(samples), "user-maps.warmup": String(warmup), "user-maps.batch": String(batch),
         "user-maps.sizes": sizes.map(String.init).joined(separator: ","),
         "user-maps.lru-fill-percent": String(lruFillPercent), "user-maps.seed": String(seed, radix: 16),
         "user-maps.pinned": "each map's rounds run pinned to the CPU they start on",
         "user-maps.hash-seed": "zero (BPF_F_ZERO_SEED) for hash maps, random without CAP_SYS_ADMIN"]
    }
}

/// Map operations timed from user space: create, read, update and delete per map type and size.
///
/// Per map type and size: create the map, read memlock empty, fill every key (LRU maps: `lruFillPercent`),
/// read memlock full, then run
/// `warmup + samples` rounds, pinned to one CPU. Each round takes the next `batch` keys of a fixed
/// pseudo-random permutation and times each operation over those keys, operations interleaved within the round
/// (in an order rotated each round) so that drift hits them alike. A sample is the round's elapsed CLOCK_MONOTONIC time divided by the operations in it.
public struct UserMapSuite {
    public static let name = SuiteName.userMaps.rawValue
    public let config: UserMapConfig

    public init(config: UserMapConfig) { self.config = config }

    /// Every group times, in its own rounds, a lookup of `batch` keys in a 1024-entry array: the reference
    /// the gate divides the group's single-element latencies by, so that the machine's speed of the moment
    /// cancels.
    public static let referenceLeaf = "reference"
    /// The reference of the batch operations: one `bpf_map_lookup_batch` of `batch` elements of the same
    /// array. A batch pays one syscall for many elements, so the machine's speed moves it differently from
    /// single calls (ARCHITECTURE.md, decisions).
    public static let batchReferenceLeaf = "reference-batch"
    static let referenceSize = 1024

    /// The reference a benchmark of `op` is divided by.
    static func referenceLeaf(for op: MapOperation) -> String {
        op == .batchUpdate || op == .batchLookup ? batchReferenceLeaf : referenceLeaf
    }

    static func benchmarkName(_ kind: MapKind, _ size: Int, _ leaf: String) -> String {
        BenchmarkName.userMap(type: kind.rawValue, size: size, leaf: leaf).description
    }

    /// Every benchmark x measure the suite would produce, in run order.
    public func plan() -> [(name: String, measure: Measure)] {
        var out: [(String, Measure)] = []
        for kind in config.kinds {
            for size in config.sizes {
                out.append((Self.benchmarkName(kind, size, "empty"), .memlockBytes))
                out.append((Self.benchmarkName(kind, size, "full"), .memlockBytes))
                for op in MapOperation.allCases { out.append((Self.benchmarkName(kind, size, op.rawValue), .latency)) }
                out.append((Self.benchmarkName(kind, size, Self.referenceLeaf), .latency))
                out.append((Self.benchmarkName(kind, size, Self.batchReferenceLeaf), .latency))
            }
        }
        return out
    }

    /// Runs the benchmarks whose names `include` accepts. Throws only for failures that stop the whole
    /// suite (missing privilege); a failing benchmark is recorded with status `failed`.
    public func run(include: (String) -> Bool = { _ in true }, progress: (String) -> Void = { _ in }) throws
        -> [BenchmarkResult]
    {
        try Privileges.current().require(.createMaps)
        var results: [BenchmarkResult] = []
        let groups = config.kinds.flatMap { kind in config.sizes.map { (kind, $0) } }
        for (index, (kind, size)) in groups.enumerated() {
            let wanted = ["empty", "full"] + MapOperation.allCases.map(\.rawValue)  // the reference comes with any op
            let selected = Set(wanted.filter { include(Self.benchmarkName(kind, size, $0)) })
            if selected.isEmpty { continue }
            progress("[\(index + 1)/\(groups.count)] user/map/\(kind.rawValue)/\(size)")
            results += try runGroup(MapSpec(kind: kind, size: size, lruFillPercent: config.lruFillPercent), selected: selected)
        }
        return results
    }

    /// Creates the map of `spec`; without CAP_SYS_ADMIN (EPERM) a hash map falls back to a random seed. A
    /// missing privilege throws (it stops the suite); a kernel that cannot create it is the group's status.
    static func createMap(_ spec: MapSpec) throws -> Result<BPFMap, StatusError> {
        do {
            do {
                return .success(try BPFMap.create(type: spec.type, name: "bpfgate_umap", keySize: spec.keySize, valueSize: spec.valueSize,
                                                  maxEntries: spec.maxEntries, flags: spec.flags))
            } catch let error as BPFError where error.isPermissionDenied && spec.flags.contains(.zeroSeed) {
                return .success(try BPFMap.create(type: spec.type, name: "bpfgate_umap", keySize: spec.keySize, valueSize: spec.valueSize,
                                                  maxEntries: spec.maxEntries, flags: spec.flags.subtracting(.zeroSeed)))
            }
        } catch let error as BPFError where error.isPermissionDenied {
            throw error
        } catch let error as BPFError {
            return .failure(StatusError(error.errno.map(Errno.meansUnsupported) == true
                ? .unsupported("this kernel cannot create it: \(error)") : .failed(error.description)))
        }
    }

    /// The units timed back to back within each round, and every selected operation's outcome so far (no
    /// samples yet, or why it is not timed). Delete and insert run as a pair (delete, then insert the same
    /// keys) so the map stays full: selecting either runs both.
    static func units(_ type: MapType, selected: Set<String>) -> (units: [[MapOperation]], outcomes: [MapOperation: OperationOutcome]) {
        var units: [[MapOperation]] = []
        var outcomes: [MapOperation: OperationOutcome] = [:]
        for op in MapOperation.allCases where op != .delete && op != .insert && selected.contains(op.rawValue) {
            if let reason = op.notApplicableReason(for: type) {
                outcomes[op] = .status(.notApplicable(reason))
            } else {
                units.append([op])
                outcomes[op] = .samples([])
            }
        }
        if selected.contains(MapOperation.delete.rawValue) || selected.contains(MapOperation.insert.rawValue) {
            for op in [MapOperation.delete, .insert] {
                outcomes[op] = op.notApplicableReason(for: type).map { .status(.notApplicable($0)) } ?? .samples([])
            }
            if MapOperation.delete.notApplicableReason(for: type) == nil { units.append([.delete, .insert]) }
        }
        return (units, outcomes)
    }

    func runGroup(_ spec: MapSpec, selected: Set<String>, suite: String = UserMapSuite.name) throws -> [BenchmarkResult] {
        let size = spec.maxEntries
        func result(_ leaf: String, _ m: MeasureResult) -> BenchmarkResult {
            BenchmarkResult(name: "\(spec.prefix)/\(leaf)", suite: suite, measures: [m])
        }
        func failAll(_ why: String) -> [BenchmarkResult] {
            selected.sorted().map { leaf in
                result(leaf, .without(leaf == "empty" || leaf == "full" ? .memlockBytes : .latency, .failed(why)))
            }
        }

        let map: BPFMap
        switch try Self.createMap(spec) {
        case let .success(m): map = m
        case let .failure(status):
            return selected.sorted().map { leaf in
                result(leaf, .without(leaf == "empty" || leaf == "full" ? .memlockBytes : .latency, status.status))
            }
        }

        var out: [BenchmarkResult] = []
        let bench = MapBench(map: map, batch: min(config.batch, spec.fillCount))
        defer { bench.deallocate() }

        if selected.contains("empty") {
            out.append(result("empty", (try? map.memlockBytes()).map { Measure.memlockBytes.result([Double($0)]) }
                ?? .without(.memlockBytes, .unsupported("the kernel shows no memlock in fdinfo"))))
        }
        let present: [UInt32]
        do {
            present = try bench.fill(count: spec.fillCount, checkPresence: spec.isLRU)
        } catch {
            return out + failAll("filling the map failed: \(error)")
        }
        if selected.contains("full") {
            out.append(result("full", (try? map.memlockBytes()).map { Measure.memlockBytes.result([Double($0)]) }
                ?? .without(.memlockBytes, .unsupported("the kernel shows no memlock in fdinfo"))))
        }

        var generator = SeededGenerator(seed: config.seed ^ UInt64(size))
        let order = generator.permuted(present)
        var (units, outcomes) = Self.units(spec.type, selected: selected)

        // The references: array lookups in a map of their own, single and batched, each timed as one more
        // unit of every round (the batched one only when a batch operation is timed).
        let wantsBatchReference = units.contains { $0.contains { Self.referenceLeaf(for: $0) == Self.batchReferenceLeaf } }
        var reference: (bench: MapBench, order: [UInt32])?
        var referenceSamples: [String: [Double]] = [:]
        var referenceFailures: [String: String] = [:]
        if !units.isEmpty {
            do {
                let map = try BPFMap.create(type: .array, name: "bpfgate_uref", keySize: 4, valueSize: 8,
                                            maxEntries: Self.referenceSize)
                let refBench = MapBench(map: map, batch: config.batch)
                var refGenerator = SeededGenerator(seed: config.seed)
                reference = (refBench, refGenerator.permuted(try refBench.fill(count: Self.referenceSize, checkPresence: false)))
                referenceSamples[Self.referenceLeaf] = []
                if wantsBatchReference { referenceSamples[Self.batchReferenceLeaf] = [] }
            } catch {
                referenceFailures[Self.referenceLeaf] = "reference map: \(error)"
                if wantsBatchReference { referenceFailures[Self.batchReferenceLeaf] = "reference map: \(error)" }
            }
        }
        defer { reference?.bench.deallocate() }
        let referenceUnits: [(leaf: String, op: MapOperation)] = [(Self.referenceLeaf, .lookup), (Self.batchReferenceLeaf, .batchLookup)]
            .filter { referenceSamples[$0.0] != nil }

        // One CPU for the whole group: no migration mid-sample, and an LRU map's per-CPU free lists stay put.
        let pin = CPUPin()
        defer { pin.restore() }
        let slots = units.count + referenceUnits.count
        for round in 0 ..< (config.warmup + config.samples) {
            bench.prepareRound(keys: order, round: round, missOffset: UInt32(size))
            reference?.bench.prepareRound(keys: reference!.order, round: round, missOffset: UInt32(Self.referenceSize))
            // Rotate the order of the units each round, so that no operation always runs on caches the one
            // before it warmed.
            for slot in 0 ..< slots {
                let u = (slot + round) % slots
                if u >= units.count, let r = reference {
                    let (leaf, op) = referenceUnits[u - units.count]
                    guard referenceFailures[leaf] == nil else { continue }
                    switch r.bench.time(op) {
                    case let .success(ns): if round >= config.warmup { referenceSamples[leaf]!.append(ns) }
                    case let .failure(status): referenceFailures[leaf] = status.status.reason ?? status.status.label
                    }
                    continue
                }
                for op in units[u] {
                    guard case var .samples(samples) = outcomes[op] else { continue }
                    switch bench.time(op) {
                    case let .success(ns):
                        if round >= config.warmup { samples.append(ns) }
                        outcomes[op] = .samples(samples)
                    case let .failure(status):
                        outcomes[op] = .status(status.status)
                        if op == .delete {  // the keys are now partly gone: insert cannot be timed honestly
                            outcomes[.insert] = .status(.failed("not timed: the delete before it failed"))
                        }
                    }
                }
            }
        }

        func hasReference(_ leaf: String) -> Bool {
            referenceFailures[leaf] == nil && referenceSamples[leaf]?.count == config.samples
        }
        for op in MapOperation.allCases where selected.contains(op.rawValue) {
            switch outcomes[op] {
            case let .samples(s)?:
                var r = result(op.rawValue, Measure.latency.result(s))
                let leaf = Self.referenceLeaf(for: op)
                r.reference = hasReference(leaf) ? "\(spec.prefix)/\(leaf)" : nil
                out.append(r)
            case let .status(st)?: out.append(result(op.rawValue, .without(.latency, st)))
            case nil: break
            }
        }
        for leaf in [Self.referenceLeaf, Self.batchReferenceLeaf] where referenceSamples[leaf] != nil || referenceFailures[leaf] != nil {
            out.append(result(leaf, hasReference(leaf) ? Measure.latency.result(referenceSamples[leaf]!)
                : .without(.latency, .failed("the reference lookups failed: \(referenceFailures[leaf] ?? "too few samples")"))))
        }
        return out
    }
}

enum OperationOutcome {
    case samples([Double])
    case status(Status)
}
