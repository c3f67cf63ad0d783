import Configuration
import Foundation
import Harness
import Results

/// One benchmark x measure timed A/B: sample i of base and head come from the same round.
public struct ABPair: Sendable {
    public let benchmark: String
    public let suite: String
    public let base: MeasureResult
    public let head: MeasureResult
    /// Each side several loads of its object whose pairs cluster by load (attached under traffic, or your packet
    /// programs' test runs): the gate's wider A/B band.
    public let attached: Bool
}

/// Where one side's objects come from: `<directory>/<name>.bpf.o`, or built in (directory nil).
public struct ObjectSet: Sendable {
    public let directory: String?
    public init(directory: String?) { self.directory = directory }

    public func source(_ name: String) throws -> ObjectSource {
        if let directory { return try ObjectSource.file(directory: directory, name: name) }
        guard let embedded = ObjectSource.embedded(name) else {
            throw BadInputError(path: name, problem: "this bpfgate carries no BPF object of that name")
        }
        return embedded
    }

    public var label: String { directory ?? "built-in" }
}

/// A suite that times two object sets against each other in one process, window by window or round by round.
public protocol ABCapable: BenchmarkSuite {
    func runAB(base: ObjectSet, head: ObjectSet, include: (String) -> Bool, progress: (String) -> Void) throws -> [ABPair]
}

extension XDPDemoSuite: ABCapable {
    public func runAB(base: ObjectSet, head: ObjectSet, include: (String) -> Bool, progress: (String) -> Void) throws -> [ABPair] {
        guard include(Self.benchmark) else { return [] }
        let (b, h) = try runAB(base: try base.source(Self.objectName), head: try head.source(Self.objectName), progress: progress)
        return [ABPair(benchmark: Self.benchmark, suite: Self.name, base: b, head: h, attached: false)]
    }
}

extension MacroSuite: ABCapable {
    /// The demo under real traffic: base and head take turns on the veth, window by window.
    public func runAB(base: ObjectSet, head: ObjectSet, include: (String) -> Bool, progress: (String) -> Void) throws -> [ABPair] {
        try runAB(base: try base.source(XDPDemoSuite.objectName), head: try head.source(XDPDemoSuite.objectName), include: include,
                  progress: progress).map { ABPair(benchmark: $0.benchmark, suite: Self.name, base: $0.base, head: $0.head, attached: true) }
    }
}

extension ObjectSuite: ABCapable {
    /// Your programs: base objects from the base set (same file name), head objects from the head set or the
    /// declared paths.
    public func runAB(base: ObjectSet, head: ObjectSet, include: (String) -> Bool, progress: (String) -> Void) throws -> [ABPair] {
        guard let baseDirectory = base.directory else { throw RunPlan.Invalid("A/B of your objects needs a directory of base objects") }
        var jobs: [(c: MacroCase, base: ObjectSource, head: ObjectSource)] = []
        var undriven: [ABPair] = []
        for job in try abJobs(baseDirectory: baseDirectory, headDirectory: head.directory, include: include) {
            // One discovery serves both sides: it runs on the base object.
            var probe = job.c
            probe.source = job.base
            let (resolved, _, refusal) = try Self.discovered(probe, progress: progress)
            if let refusal {
                let status = MeasureResult.without(.latency, .notApplicable(refusal.description))
                undriven.append(ABPair(benchmark: job.c.name, suite: Self.name, base: status, head: status, attached: true))
                continue
            }
            var c = resolved
            c.source = job.c.source
            jobs.append((c, job.base, job.head))
        }
        let testRuns = try testRunCases().map { c in
            (c, try Self.sibling(of: c.source, in: baseDirectory), try head.directory.map { try Self.sibling(of: c.source, in: $0) } ?? c.source)
        }
        return try MacroSuite(config: config).runAB(jobs, progress: progress)
            .map { ABPair(benchmark: $0.benchmark, suite: Self.name, base: $0.base, head: $0.head, attached: true) } + undriven
            + TestRunBench(config: testRun).runAB(testRuns, include: include, progress: progress)
    }
}

/// What a same-run A/B produced: the pairs, and each side as a results file (the head's is what `--results`
/// writes; its run id names the head in the verdict).
public struct ABOutcome {
    public let pairs: [ABPair]
    public let base: ResultsFile
    public let head: ResultsFile
}

extension Catalog {
    /// Same-run A/B of the request's object-dependent suites: bpfgate's XDP demo (test runs, and under traffic)
    /// when the base set has it or there is nothing else to compare, and your objects when the request has the
    /// objects suite with declarations or files. `demoPairsFactor`: the test-run demo's pairs per sample of the
    /// profile (A/B runs nothing else, so it spends the stored check's time on pairs; ARCHITECTURE.md, decisions).
    public static func runAB(_ request: RunRequest, base: ObjectSet, head: ObjectSet, headExtraWork: UInt32 = 0, demoPairsFactor: Int = 1,
                             progress: @escaping (String) -> Void) throws -> ABOutcome {
        let objects = request.suites.contains(ObjectSuite.name) && !request.objectSuite.isEmpty
        guard request.suites.contains(XDPDemoSuite.name) || request.suites.contains(MacroSuite.name) || objects else {
            throw RunPlan.Invalid("A/B needs an object-dependent suite in the profile (\(XDPDemoSuite.name), \(MacroSuite.name) or \(ObjectSuite.name) with declarations)")
        }
        let withDemo = !objects || base.directory.map {
            FileManager.default.fileExists(atPath: URL(fileURLWithPath: $0).appendingPathComponent("\(XDPDemoSuite.objectName).bpf.o").path)
        } ?? true
        var suites: [ABCapable] = []
        if withDemo {
            var demo = request.xdpDemo
            demo.headExtraWork = headExtraWork
            demo.samples *= demoPairsFactor
            if request.suites.contains(XDPDemoSuite.name) { suites.append(XDPDemoSuite(config: demo)) }
            if request.suites.contains(MacroSuite.name) { suites.append(MacroSuite(config: request.macro)) }
        }
        if objects { suites.append(request.objectSuite) }

        let started = Date()
        var pairs: [ABPair] = []
        var settings = ["ab.base": base.label, "ab.head": head.label]
        let include = request.includes
        // Where the A/B is (elapsed, suite k of n): an A/B's times depend on the object sets, so no time left is guessed.
        let clock = RunClock(suites: suites.map(\.name), expected: [:])
        let report: (String) -> Void = { line in progress(clock.line(line)) }
        for suite in suites {
            clock.begin(suite.name)
            pairs += try suite.measuresOnItsOwnThread
                ? MeasuringThread.run { try suite.runAB(base: base, head: head, include: include, progress: report) }
                : suite.runAB(base: base, head: head, include: include, progress: report)
            settings.merge(try suite.settingsOnly()) { $1 }
        }
        let finished = Date()
        // Each side's digests: the built-in objects, replaced by those its directory holds.
        func digests(_ set: ObjectSet) -> [ObjectDigest] {
            Environment.objectDigests.map { d in
                (set.directory == nil ? nil : try? set.source(d.name)).map { ObjectDigest(name: d.name, sha256: $0.sha256) } ?? d
            }
        }
        func side(_ pick: (ABPair) -> MeasureResult, role: String, set: ObjectSet) -> ResultsFile {
            let run = RunMetadata(
                id: UUID().uuidString.lowercased(), toolVersion: Environment.toolVersion,
                startedAt: Timestamp.iso(started), finishedAt: Timestamp.iso(finished),
                durationSeconds: (finished.timeIntervalSince(started) * 1000).rounded() / 1000,
                git: Environment.gitState(), bpfObjects: digests(set), load: [], suites: suites.map(\.name),
                settings: settings.merging(["ab.side": role]) { $1 })
            return ResultsFile(testbed: Environment.testbed(name: request.testbedName), run: run,
                               benchmarks: pairs.map { BenchmarkResult(name: $0.benchmark, suite: $0.suite, measures: [pick($0)]) })
        }
        return ABOutcome(pairs: pairs, base: side(\.base, role: "base", set: base), head: side(\.head, role: "head", set: head))
    }
}

extension BenchmarkSuite {
    /// The settings `record` adds, without object digests.
    func settingsOnly() throws -> [String: String] {
        var settings: [String: String] = [:], digests: [ObjectDigest] = []
        try record(settings: &settings, digests: &digests)
        return settings
    }
}
