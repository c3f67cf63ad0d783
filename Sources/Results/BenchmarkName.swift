/// A benchmark name, built and read back in one place: `/`-separated segments (`Naming` says which are valid).
///
/// The families bpfgate writes:
/// - `user/map/<type>/<size>/<operation | reference | reference-batch | empty | full>`
/// - `kernel/map/<type>/<size>/<fill>/<operation>[/reference]`, `kernel/helper/<helper>[/<bytes>][/reference]`
/// - `xdp/demo/fib-classifier`, `xdp/demo/reference-pass`
/// - `macro/<program>/<hook>[/reference]`
/// - `object/<object>/<program>/<hook>[/reference]`, `object/<object>/map/<map>/<leaf>`
/// - `memory/map/<type>/<entries>/<value-bytes>/<empty | full>`
/// - `capacity/<program>/<hook>/<events-per-second>`
///
/// A reference (the machine's speed of the moment, timed in the same rounds) is a name whose last segment is
/// `reference` or starts with `reference-`.
public struct BenchmarkName: Hashable, Sendable, CustomStringConvertible {
    public let segments: [String]

    public init(_ segments: [String]) { self.segments = segments }

    /// Reads `text` back into its segments (no validation: see `Naming.problem(withBenchmark:)`).
    public init(parsing text: String) {
        segments = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    public var description: String { segments.joined(separator: "/") }

    /// This name with `leaf` appended.
    public func appending(_ leaf: String) -> BenchmarkName { BenchmarkName(segments + [leaf]) }

    /// The reference timed with this benchmark: `<name>/reference`.
    public var reference: BenchmarkName { appending("reference") }

    /// Whether this is a reference (its last segment is `reference` or `reference-*`).
    public var isReference: Bool { Self.isReferenceLeaf(segments.last ?? "") }

    public static func isReferenceLeaf(_ leaf: String) -> Bool { leaf == "reference" || leaf.hasPrefix("reference-") }

    // MARK: building

    public static func userMap(type: String, size: Int, leaf: String) -> BenchmarkName {
        BenchmarkName(["user", "map", type, String(size), leaf])
    }

    public static func kernelMap(type: String, size: Int, fill: String, operation: String) -> BenchmarkName {
        BenchmarkName(["kernel", "map", type, String(size), fill, operation])
    }

    public static func kernelHelper(_ helper: String, bytes: Int? = nil) -> BenchmarkName {
        BenchmarkName(["kernel", "helper", helper] + (bytes.map { [String($0)] } ?? []))
    }

    /// `<prefix>/<program>/<hook>`: `macro/count/xdp`; your objects' programs are `object/<object>/<program>/<hook>`.
    public static func attached(prefix: String, program: String, hook: String) -> BenchmarkName {
        BenchmarkName([prefix] + program.split(separator: "/").map(String.init) + [hook])
    }

    /// `object/<object>/map/<map>`: the prefix of a map of your object (leaves as for `user/map`).
    public static func objectMap(object: String, map: String) -> BenchmarkName {
        BenchmarkName(["object", object, "map", map])
    }

    /// `memory/map/<type>/<entries>/<value-bytes>/<empty | full>`: what one map takes (`memory` suite).
    public static func mapMemory(type: String, entries: Int, valueBytes: Int, state: String) -> BenchmarkName {
        BenchmarkName(["memory", "map", type, String(entries), String(valueBytes), state])
    }

    /// `capacity/<program>/<hook>/<events-per-second>`: a program's CPU at one event rate (`capacity` suite).
    public static func capacity(program: String, hook: String, rate: Int) -> BenchmarkName {
        BenchmarkName(["capacity", program, hook, String(rate)])
    }

    // MARK: reading

    /// `object/<object>/<program>/<hook>` (not a map, a test-run input or a reference): program `<object>/<program>`.
    public var attachedObject: (program: String, hook: String)? {
        guard segments.count == 4, segments[0] == "object", segments[2] != "map", !isReference else { return nil }
        return ("\(segments[1])/\(segments[2])", segments[3])
    }

    /// `capacity/<program>/<hook>/<events-per-second>`.
    public var capacity: (program: String, hook: String, rate: Int)? {
        guard segments.count == 4, segments[0] == "capacity", let rate = Int(segments[3]) else { return nil }
        return (segments[1], segments[2], rate)
    }

    /// `memory/map/<type>/<entries>/<value-bytes>/<state>`.
    public var mapMemory: (type: String, entries: String, valueBytes: String, state: String)? {
        guard segments.count == 6, segments[0] == "memory", segments[1] == "map" else { return nil }
        return (segments[2], segments[3], segments[4], segments[5])
    }

    /// `user/map/<type>/<size>/<leaf>`.
    public var userMap: (type: String, size: String, leaf: String)? {
        guard segments.count == 5, segments[0] == "user", segments[1] == "map" else { return nil }
        return (segments[2], segments[3], segments[4])
    }

    /// `kernel/map/<type>/<size>/<fill>/<operation>` (not its reference).
    public var kernelMap: (type: String, size: String, fill: String, operation: String)? {
        guard segments.count == 6, segments[0] == "kernel", segments[1] == "map" else { return nil }
        return (segments[2], segments[3], segments[4], segments[5])
    }

    /// `kernel/helper/<helper>[/<bytes>]` (not its reference); `bytes` is nil when the last segment is not a size.
    public var kernelHelper: (helper: String, bytes: String?)? {
        guard segments.count >= 3, segments.count <= 4, segments[0] == "kernel", segments[1] == "helper", !isReference else { return nil }
        return (segments[2], segments.count == 4 ? segments[3] : nil)
    }

    /// `macro/<program>/<hook>` (not its reference).
    public var macro: (program: String, hook: String)? {
        guard segments.count == 3, segments[0] == "macro" else { return nil }
        return (segments[1], segments[2])
    }
}

/// The suites bpfgate runs, by the names results files, profiles and `--suite` use, in run order.
public enum SuiteName: String, CaseIterable, Sendable {
    case userMaps = "user-maps"
    case xdpDemo = "xdp-demo"
    case macro
    case objects
    case kernel
    /// What maps take in memory: exact to a page, so no gate profile runs it (`study` and `guide` do).
    case memory
    /// A program's CPU at fixed event rates, predicted and measured (`guide`; tens of seconds per program and rate).
    case capacity

    public static var all: [String] { allCases.map(\.rawValue) }

    /// Whether a run with neither a profile nor `--suite` runs this suite: all but `capacity` (about 4 minutes; named
    /// with `--suite capacity`, or by the `guide` and `study` profiles).
    public static func runsByDefault(_ suite: String) -> Bool { suite != SuiteName.capacity.rawValue }

    /// The suites the gate profile runs: all but `memory` and `capacity`.
    public static var gated: [String] { all.filter { $0 != SuiteName.memory.rawValue && $0 != SuiteName.capacity.rawValue } }

    /// Whether the gate and `trend` judge this suite's timings by their ratio to the reference of the same rounds. Not
    /// the in-kernel suite: its timings are already net of the empty loop, whose ~8 ns varied 3-5 % between runs where
    /// the net costs varied ~1 % (ARCHITECTURE.md, decisions, 2026-11-30).
    public var judgesRatioToReference: Bool { self != .kernel }

    /// The same for a suite's name (true for a name bpfgate does not write).
    public static func judgesRatioToReference(_ suite: String) -> Bool { SuiteName(rawValue: suite)?.judgesRatioToReference ?? true }
}
