import BPF
import Foundation
import Harness
import Results

/// Settings of the memory suite.
public struct MemoryConfig: Sendable {
    public var kinds: [MapKind] = MapKind.allCases
    public var entries: [Int] = [1024, 10240]
    public var valueSizes: [Int] = [8, 256]
    /// Maps created per row (each measured alone); the median is the row's.
    public var repeats = 3

    public init() {}

    public var settings: [String: String] {
        ["memory.entries": entries.map(String.init).joined(separator: ","), "memory.value-sizes": valueSizes.map(String.init).joined(separator: ","),
         "memory.repeats": String(repeats), "memory.key-bytes": "4"]
    }
}

/// What a map takes: per map type (the hash also without preallocation), entries and value size, a fresh map
/// empty and then with every key written (4-byte keys), its memlock as its map type accounts for it (fdinfo,
/// `map_mem_usage`) beside the kernel memory charged to a memory cgroup of bpfgate's own for it (`KernelMemory`).
public struct MemorySuite {
    public static let name = SuiteName.memory.rawValue
    public let config: MemoryConfig

    public init(config: MemoryConfig) { self.config = config }

    static func benchmarkName(_ kind: MapKind, _ entries: Int, _ valueBytes: Int, _ state: String) -> String {
        BenchmarkName.mapMemory(type: kind.rawValue, entries: entries, valueBytes: valueBytes, state: state).description
    }

    var rows: [(kind: MapKind, entries: Int, valueBytes: Int)] {
        config.kinds.flatMap { kind in config.entries.flatMap { n in config.valueSizes.map { (kind, n, $0) } } }
    }

    public func plan() -> [(name: String, measure: Measure)] {
        rows.flatMap { kind, n, v in
            ["empty", "full"].flatMap { state in [Measure.memlockBytes, .chargedBytes].map { (Self.benchmarkName(kind, n, v, state), $0) } }
        }
    }

    public func run(include: (String) -> Bool = { _ in true }, progress: (String) -> Void = { _ in }) throws -> [BenchmarkResult] {
        try Privileges.current().require(.createMaps)
        // No memory cgroup to measure in (none, read-only, no permission): charged-bytes says why; memlock still runs.
        var counter: KernelMemory?
        var unavailable = KernelMemory.unavailable()
        if unavailable == nil {
            do { counter = try KernelMemory() } catch { unavailable = "a memory cgroup of bpfgate's own could not be made: \(error)" }
        }
        defer { counter?.close() }
        var out: [BenchmarkResult] = []
        let selected = rows.filter { kind, n, v in ["empty", "full"].contains { include(Self.benchmarkName(kind, n, v, $0)) } }
        for (index, (kind, n, v)) in selected.enumerated() {
            progress("[\(index + 1)/\(selected.count)] memory/map/\(kind.rawValue)/\(n)/\(v)")
            out += try measure(kind, n, v, counter: counter, unavailable: unavailable ?? "").filter { include($0.name) }
        }
        return out
    }

    /// `repeats` fresh maps of one row: memlock and the charge, empty and full.
    func measure(_ kind: MapKind, _ entries: Int, _ valueBytes: Int, counter: KernelMemory?, unavailable: String) throws -> [BenchmarkResult] {
        var memlock: [String: [Double]] = [:], charged: [String: [Double]] = [:]
        var failure: Status?
        let spec = MapSpec(prefix: "", type: kind.mapType, keySize: 4, valueSize: valueBytes, maxEntries: entries, flags: kind.flags,
                           fillCount: entries)
        func once(_ read: () throws -> Int) throws {
            let map: BPFMap
            switch try UserMapSuite.createMap(spec) {
            case let .success(m): map = m
            case let .failure(status): failure = status.status; return
            }
            memlock["empty", default: []].append(Double(try map.memlockBytes()))
            charged["empty", default: []].append(Double(try read()))
            let value = UnsafeMutableRawPointer.allocate(byteCount: map.valueBufferSize, alignment: 8)
            defer { value.deallocate() }
            memset(value, 0x5a, map.valueBufferSize)
            for k in 0 ..< UInt32(entries) {
                var key = k
                let rc = map.rawUpdate(&key, value)
                if rc != 0 && !kind.isLRU { failure = .failed("writing key \(k) failed: errno \(errno)"); return }
            }
            memlock["full", default: []].append(Double(try map.memlockBytes()))
            charged["full", default: []].append(Double(try read()))
        }
        do {
            for _ in 0 ..< max(1, config.repeats) where failure == nil {
                if let counter { try counter.measure(once) } else { try once { 0 } }
            }
        } catch let e as BPFError where e.isPermissionDenied {
            throw e
        } catch {
            failure = .failed("\(error)")
        }
        return ["empty", "full"].map { state in
            let name = Self.benchmarkName(kind, entries, valueBytes, state)
            if let failure { return BenchmarkResult(name: name, suite: Self.name, measures: [.without(.memlockBytes, failure), .without(.chargedBytes, failure)]) }
            let charge = counter == nil ? MeasureResult.without(.chargedBytes, .unsupported(unavailable))
                : kind.mapType.isPerCPU && counter?.countsPerCPU == false
                ? .without(.chargedBytes, .unsupported("per-CPU values come from the percpu allocator, which cgroup v1's kmem counter does not show"))
                : Measure.chargedBytes.result(charged[state] ?? [])
            return BenchmarkResult(name: name, suite: Self.name, measures: [Measure.memlockBytes.result(Array((memlock[state] ?? []).prefix(1))), charge])
        }
    }
}

extension MemorySuite: BenchmarkSuite {
    public var name: String { Self.name }
    /// The whole process moves between memory cgroups while it measures: no thread of its own needed.
    public var measuresOnItsOwnThread: Bool { false }
    public func record(settings: inout [String: String], digests: inout [ObjectDigest]) { settings.merge(config.settings) { $1 } }
}
