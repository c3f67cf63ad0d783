import Foundation
import Harness
import Results

/// A suite bpfgate runs: what it would produce without running anything, how it runs, and what it records in
/// the run's metadata. `Catalog` builds the suites of a request once and runs them into one results file.
public protocol BenchmarkSuite {
    /// Its name in results files, profiles and `--suite` (`SuiteName`).
    var name: String { get }
    /// Every benchmark x measure it produces when `include` accepts every name (statuses, not gaps: a
    /// benchmark that cannot run still appears, with its reason).
    func plan() throws -> [(name: String, measure: Measure)]
    /// Runs the benchmarks whose names `include` accepts; throws only for what stops the whole run.
    func run(include: (String) -> Bool, progress: (String) -> Void) throws -> [BenchmarkResult]
    /// Whether it runs on the measuring thread (a file-descriptor table of its own, `MeasuringThread`).
    var measuresOnItsOwnThread: Bool { get }
    /// Adds its settings, and the digests of the objects it ran that are not built in, to the run's metadata.
    func record(settings: inout [String: String], digests: inout [ObjectDigest]) throws
}

extension BenchmarkSuite {
    public var measuresOnItsOwnThread: Bool { true }
}

/// An object of bpfgate's own taken from `--objects DIR`: its digest replaces the built-in one (once, however many
/// suites ran it), and the run records the directory.
func recordObject(_ source: ObjectSource, from directory: String?, settings: inout [String: String], digests: inout [ObjectDigest]) {
    guard source.origin != "built-in" else { return }
    if !digests.contains(where: { $0.name == source.name && $0.sha256 == source.sha256 }) {
        digests.removeAll { $0.name == source.name }
        digests.append(ObjectDigest(name: source.name, sha256: source.sha256))
    }
    settings["objects"] = directory
}

extension UserMapSuite: BenchmarkSuite {
    public var name: String { Self.name }
    public func record(settings: inout [String: String], digests: inout [ObjectDigest]) { settings.merge(config.settings) { $1 } }
}

extension KernelSuite: BenchmarkSuite {
    public var name: String { Self.name }
    public func record(settings: inout [String: String], digests: inout [ObjectDigest]) { settings.merge(config.settings) { $1 } }
}

extension XDPDemoSuite: BenchmarkSuite {
    public var name: String { Self.name }
    public func run(include: (String) -> Bool, progress: (String) -> Void) throws -> [BenchmarkResult] {
        try run(source: source, include: include, progress: progress)
    }
    public func record(settings: inout [String: String], digests: inout [ObjectDigest]) {
        settings.merge(config.settings) { $1 }
        recordObject(source, from: objectDirectory, settings: &settings, digests: &digests)
    }
}

extension MacroSuite: BenchmarkSuite {
    public var name: String { Self.name }
    /// Not on the measuring thread: the traffic threads share the process's fd table anyway.
    public var measuresOnItsOwnThread: Bool { false }
    public func run(include: (String) -> Bool, progress: (String) -> Void) throws -> [BenchmarkResult] {
        try run(include: include, demo: demo, progress: progress)
    }
    public func record(settings: inout [String: String], digests: inout [ObjectDigest]) {
        settings.merge(config.settings) { $1 }
        if let demo { recordObject(demo, from: objectDirectory, settings: &settings, digests: &digests) }
    }
}

extension ObjectSuite: BenchmarkSuite {
    public var name: String { Self.name }
    public var measuresOnItsOwnThread: Bool { false }
    public func record(settings: inout [String: String], digests: inout [ObjectDigest]) throws {
        settings.merge(config.settings) { $1 }
        settings.merge(maps.settings) { $1 }
        if try !testRunCases().isEmpty { settings.merge(testRun.settings) { $1 } }
        for path in Set(files + declarations.map(\.object)).sorted() {
            let source = try ObjectSource.file(path: path)
            digests.append(ObjectDigest(name: source.name, sha256: source.sha256))
            settings["object.\(source.name)"] = path
        }
        // How each program is driven (or why not), so that a run says what it measured.
        for (name, how) in try describe() { settings["plan.\(name)"] = how }
    }
}
