import BPF
import Configuration
import Foundation
import Harness
import Results

/// What `bpfgate run` was asked to do.
public struct RunRequest {
    public var suites: [String]
    /// Benchmark names must match this regex (searched, not anchored); nil for all.
    public var filter: Regex<AnyRegexOutput>?
    public var userMaps = UserMapConfig()
    public var xdpDemo = XDPDemoConfig()
    public var macro = MacroConfig()
    public var testRun = TestRunConfig()
    public var kernel = KernelConfig()
    public var memory = MemoryConfig()
    public var capacity = CapacityConfig()
    /// Where the object-dependent suites take their objects from; nil: built in.
    public var objectDirectory: String?
    public var testbedName: String?
    /// Background load (stress-ng) for the whole run, recorded in the run metadata.
    public var load: [LoadScenario] = []
    /// The user's objects (`run --object`) and the configuration's declarations over them (suite `objects`).
    public var objectFiles: [String] = []
    public var objectDeclarations: [ObjectDeclaration] = []

    public var objectSuite: ObjectSuite { ObjectSuite(config: macro, maps: userMaps, testRun: testRun, files: objectFiles, declarations: objectDeclarations) }
    /// The plan this request was made from (what a child run is given).
    public private(set) var plan: RunPlan

    public init(suites: [String] = Catalog.suiteNames, filter: Regex<AnyRegexOutput>? = nil) {
        self.suites = suites
        self.filter = filter
        plan = RunPlan(suites: suites)
    }

    /// Each suite's settings from `plan` (nil there: the suite's default). What only the suites know is checked
    /// here: a batch larger than the least-filled map, a load scenario that is not one.
    public init(plan: RunPlan) throws {
        self.init(suites: plan.suites)
        self.plan = plan
        filter = try plan.filter.map { try Regex($0) }
        let warmup = plan.warmup ?? userMaps.warmup
        userMaps.samples = plan.samples[UserMapSuite.name] ?? userMaps.samples
        userMaps.warmup = warmup
        xdpDemo.samples = plan.samples[XDPDemoSuite.name] ?? xdpDemo.samples
        macro.samples = plan.samples[MacroSuite.name] ?? macro.samples
        macro.together = plan.together ?? false
        testRun.samples = plan.samples[ObjectSuite.name] ?? testRun.samples
        testRun.warmup = plan.warmup ?? testRun.warmup
        testRun.pcaps = plan.pcaps
        kernel.samples = plan.samples[KernelSuite.name] ?? kernel.samples
        kernel.warmup = plan.kernelWarmup ?? kernel.warmup
        kernel.fills = plan.fills ?? kernel.fills
        xdpDemo.warmup = warmup
        if let r = plan.repeatCount { xdpDemo.repeatCount = UInt32(r) }
        userMaps.sizes = plan.sizes ?? userMaps.sizes
        kernel.sizes = plan.sizes ?? kernel.sizes
        let batch = plan.batch ?? userMaps.batch
        if suites.contains(UserMapSuite.name) && batch > userMaps.maxBatch {
            throw RunPlan.Invalid("--batch \(batch) exceeds \(userMaps.maxBatch), the keys of the least-filled map (LRU maps are filled to \(userMaps.lruFillPercent) % of the smallest size); lower --batch or raise --sizes")
        }
        userMaps.batch = batch
        objectDirectory = plan.objectDirectory
        objectFiles = plan.objectFiles
        objectDeclarations = plan.declarations
        testbedName = plan.testbed
        load = try plan.load.map { spec in
            guard let scenario = LoadScenario(spec) else { throw RunPlan.Invalid("--load '\(spec)' is not cpu:P or vm:P with P in 1...100") }
            return scenario
        }
    }

    /// The object `name` from `objectDirectory`, or built in.
    public func objectSource(_ name: String) throws -> ObjectSource {
        try ObjectSet(directory: objectDirectory).source(name)
    }

    public func includes(_ name: String) -> Bool {
        guard let filter else { return true }
        return (try? filter.firstMatch(in: name)) != nil
    }
}

/// The suites bpfgate knows, and the one place that runs them into a results file.
public enum Catalog {
    public static let suiteNames = SuiteName.all

    /// The suites of the request, in run order (the in-kernel suite right after the user-space one, on a quiet
    /// machine; the attached programs last). Object files are read here: a missing one is bad input (exit 65)
    /// before anything runs.
    public static func suites(_ request: RunRequest) throws -> [BenchmarkSuite] {
        var out: [BenchmarkSuite] = []
        let wants = { request.suites.contains($0) }
        if wants(UserMapSuite.name) { out.append(UserMapSuite(config: request.userMaps)) }
        if wants(KernelSuite.name) { out.append(KernelSuite(config: request.kernel)) }
        if wants(XDPDemoSuite.name) {
            out.append(XDPDemoSuite(config: request.xdpDemo, source: try request.objectSource(XDPDemoSuite.objectName),
                                    objectDirectory: request.objectDirectory))
        }
        if wants(MacroSuite.name) {
            let demo = request.objectDirectory == nil ? nil : try request.objectSource(XDPDemoSuite.objectName)
            out.append(MacroSuite(config: request.macro, demo: demo, objectDirectory: request.objectDirectory))
        }
        if wants(ObjectSuite.name) && !request.objectSuite.isEmpty { out.append(request.objectSuite) }
        if wants(MemorySuite.name) { out.append(MemorySuite(config: request.memory)) }
        if wants(CapacitySuite.name) { out.append(CapacitySuite(config: request.capacity)) }
        return out
    }

    /// Every benchmark x measure the request selects, without running anything (user objects are opened,
    /// not loaded: a missing or malformed one throws bad input).
    public static func plan(_ request: RunRequest) throws -> [(suite: String, name: String, measure: Measure)] {
        var out: [(String, String, Measure)] = []
        // The plan needs no object bytes: the XDP demo and macro suites plan from their configs alone.
        var suites: [BenchmarkSuite] = []
        if request.suites.contains(UserMapSuite.name) { suites.append(UserMapSuite(config: request.userMaps)) }
        if request.suites.contains(XDPDemoSuite.name) { suites.append(XDPDemoSuite(config: request.xdpDemo)) }
        if request.suites.contains(MacroSuite.name) { suites.append(MacroSuite(config: request.macro)) }
        if request.suites.contains(KernelSuite.name) { suites.append(KernelSuite(config: request.kernel)) }
        if request.suites.contains(ObjectSuite.name) { suites.append(request.objectSuite) }
        if request.suites.contains(MemorySuite.name) { suites.append(MemorySuite(config: request.memory)) }
        if request.suites.contains(CapacitySuite.name) { suites.append(CapacitySuite(config: request.capacity)) }
        for suite in suites {
            for p in try suite.plan() where request.includes(p.name) { out.append((suite.name, p.name, p.measure)) }
        }
        return out
    }

    /// Runs the request and returns the results file. Each progress line says where the run is and, given what
    /// each suite is `expected` to take (seconds), the time left (`RunClock`).
    public static func run(_ request: RunRequest, expected: [String: Double]? = nil, progress: @escaping (String) -> Void) throws -> ResultsFile {
        let suites = try Self.suites(request)
        let clock = RunClock(suites: suites.map(\.name), expected: expected ?? RunClock.expected(for: request.plan, history: []))
        let report: (String) -> Void = { line in progress(clock.line(line)) }
        let started = Date()
        var benchmarks: [BenchmarkResult] = []
        var settings: [String: String] = [:]
        var digests = Environment.objectDigests
        // Load scenarios run for the whole run (at most an hour: stress-ng stops by itself), stopped at the end.
        let loads = try request.load.map { try $0.start(seconds: 3600) }
        defer { loads.forEach { $0.stop() } }
        for l in loads { settings["load.\(l.scenario)"] = l.commandLine }
        let include = request.includes
        for suite in suites {
            let suiteStarted = Date()
            clock.begin(suite.name, now: suiteStarted)
            benchmarks += try suite.measuresOnItsOwnThread
                ? MeasuringThread.run { try suite.run(include: include, progress: report) }
                : suite.run(include: include, progress: report)
            try suite.record(settings: &settings, digests: &digests)
            settings[RunClock.settingsKey(suite.name)] = String(format: "%.1f", Date().timeIntervalSince(suiteStarted))
        }
        if let profile = request.plan.profile { settings["profile"] = profile }
        let finished = Date()
        let run = RunMetadata(
            id: UUID().uuidString.lowercased(), toolVersion: Environment.toolVersion,
            startedAt: Timestamp.iso(started), finishedAt: Timestamp.iso(finished),
            durationSeconds: (finished.timeIntervalSince(started) * 1000).rounded() / 1000,
            git: Environment.gitState(), bpfObjects: digests, load: request.load.map(\.description), suites: request.suites,
            settings: settings)
        return ResultsFile(testbed: Environment.testbed(name: request.testbedName), run: run, benchmarks: benchmarks)
    }
}
