import BPF
import BPFCatalog
import Foundation
import Harness
import Results
import Statistics

/// Settings of the capacity suite.
public struct CapacityConfig: Sendable {
    /// Built-in programs of `bpf/macro.bpf.c` (on the getppid() tracepoint), by function; the first is the hook alone.
    public var programs = [CapacitySuite.hookOnly, "map_heavy", "get_stackid", "probe_read_kernel_str"]
    /// getppid() calls per second.
    public var rates = [100_000, 200_000, 400_000]
    public var windowSeconds = 2.0
    /// Rounds per rate, each one window of every kind.
    public var rounds = 3

    public init() {}

    public var settings: [String: String] {
        ["capacity.programs": programs.joined(separator: ","), "capacity.rates": rates.map(String.init).joined(separator: ","),
         "capacity.window-seconds": String(windowSeconds), "capacity.rounds": String(rounds),
         "capacity.cpu": "the workload thread's CPU time (CLOCK_THREAD_CPUTIME_ID), in percent of one CPU"]
    }
}

/// Whether a program's measured ns per event times an event rate predicts the CPU it costs. Per program and rate,
/// a rate-limited getppid() workload (`bpfgate_paced_getppid`) runs windows of three kinds, in an order rotated
/// each round: without the program, with it attached and bpf_stats off, and with it attached and bpf_stats on.
/// The last gives the program's ns per event (run_time_ns / run_cnt), hence the prediction: (ns + the hook's own cost
/// per event, measured the same way with `hookOnly`, which bpf_stats cannot see) x events/s; the
/// first two give the measurement, the difference of the workload thread's CPU time (the program runs in the
/// syscall, on that thread; CLOCK_THREAD_CPUTIME_ID is exact, where /proc/stat's tick-sampled system time missed
/// every call of a paced loop here: ARCHITECTURE.md, decisions), and the last two what bpf_stats itself adds.
public struct CapacitySuite {
    public static let name = SuiteName.capacity.rawValue
    static let hook = Hook.tracepoint.slug
    /// The program that returns at once: what it adds per event is the hook's dispatch, which bpf_stats does not see.
    public static let hookOnly = "hook_only"
    public let config: CapacityConfig

    public init(config: CapacityConfig) { self.config = config }

    static func benchmarkName(_ program: String, _ rate: Int) -> String {
        BenchmarkName.capacity(program: program.replacingOccurrences(of: "_", with: "-"), hook: hook, rate: rate).description
    }

    static let measures: [Measure] = [.latency, .throughput, .overheadNanoseconds, .cpuPercentPredicted, .cpuPercentMeasured, .statsOverheadNanoseconds]

    public func plan() -> [(name: String, measure: Measure)] {
        config.programs.flatMap { p in config.rates.flatMap { r in Self.measures.map { (Self.benchmarkName(p, r), $0) } } }
    }

    public func run(include: (String) -> Bool = { _ in true }, progress: (String) -> Void = { _ in }) throws -> [BenchmarkResult] {
        try Privileges.current().require(.enableStats)
        let wanted = config.programs.flatMap { p in config.rates.map { (p, $0) } }.filter { include(Self.benchmarkName($0.0, $0.1)) }
        guard !wanted.isEmpty else { return [] }
        guard let source = ObjectSource.embedded("macro") else { throw BadInputError(path: "macro", problem: "this bpfgate carries no macro object") }
        return try MachineLock.with("macro", waiting: progress) {
            let mounted = try HookAttach.mountTraceFSIfAbsent()
            defer { if let mounted { Cleanup.shared.run(mounted) } }
            var out: [BenchmarkResult] = []
            // The hook's own cost per event at each rate (from `hookOnly`, measured first), added to every prediction.
            var dispatch: [Int: Double] = [:]
            for program in config.programs {
                let rates = wanted.filter { $0.0 == program }.map(\.1)
                if rates.isEmpty { continue }
                let object = try BPFObject(bytes: source.bytes, name: source.name)
                defer { object.close() }
                do {
                    try object.prepare(program, rodata: [:], maxEntries: [:], section: nil, yours: false)
                    try object.load()
                    try HookAttach.countOnlyThisProcess(object)
                } catch let e as BPFError where !e.isPermissionDenied {
                    out += rates.map { Self.failed(program, $0, .failed("load: \(e)")) }
                    continue
                }
                let p = try object.program(named: program)
                for (k, rate) in rates.enumerated() {
                    progress("[\(program) \(k + 1)/\(rates.count)] \(Self.benchmarkName(program, rate)): \(config.rounds) rounds of 3 windows of \(config.windowSeconds) s")
                    let result = try measure(p, program: program, rate: rate, dispatch: dispatch[rate])
                    if program == Self.hookOnly, let added = result.measure(Measure.overheadNanoseconds.slug).flatMap({ Descriptive.median($0.samples) }),
                       let own = result.measure(Measure.latency.slug).flatMap({ Descriptive.median($0.samples) }) {
                        dispatch[rate] = max(0, added - own)
                    }
                    out.append(result)
                }
            }
            return out
        }
    }

    static func failed(_ program: String, _ rate: Int, _ status: Status) -> BenchmarkResult {
        BenchmarkResult(name: benchmarkName(program, rate), suite: name, measures: measures.map { .without($0, status) })
    }

    enum Window: CaseIterable { case without, attached, withStats }

    /// One window: the workload thread's CPU in percent of one CPU, the events per second made, and with bpf_stats on
    /// the program's ns per run.
    func window(_ kind: Window, _ p: BPFProgram, rate: Int) throws -> (cpu: Double, events: Double, ns: Double?) {
        let link = kind == .without ? nil : try p.attach()
        defer { link?.destroy() }
        let stats = kind == .withStats ? try StatsSession() : nil
        defer { stats?.close() }
        usleep(100_000)  // the attach settles
        var run = (events: 0, cpuNanoseconds: UInt64(0))
        let t0 = DispatchTime.now().uptimeNanoseconds
        let ns = try p.nanosecondsPerRun(during: { run = try PacedWorkload.getppid(rate: rate, seconds: config.windowSeconds) })
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let (events, cpu) = run
        return (Double(cpu) / 1e9 / seconds * 100, Double(events) / seconds, kind == .withStats ? ns : nil)
    }

    /// `dispatch`: the hook's cost per event at this rate, added to the program's ns per event in the prediction.
    func measure(_ p: BPFProgram, program: String, rate: Int, dispatch: Double?) throws -> BenchmarkResult {
        var latency: [Double] = [], achieved: [Double] = [], predicted: [Double] = [], measured: [Double] = [], statsCost: [Double] = []
        var added: [Double] = []
        for round in 0 ..< config.rounds {
            let order = Window.allCases.indices.map { Window.allCases[($0 + round) % Window.allCases.count] }
            var seen: [Window: (cpu: Double, events: Double, ns: Double?)] = [:]
            for kind in order { seen[kind] = try window(kind, p, rate: rate) }
            guard let without = seen[.without], let attached = seen[.attached], let withStats = seen[.withStats], let ns = withStats.ns else { continue }
            latency.append(ns)
            achieved.append(attached.events)
            predicted.append((ns + (dispatch ?? 0)) * attached.events / 1e7)
            measured.append(attached.cpu - without.cpu)
            added.append((attached.cpu - without.cpu) / 100 / attached.events * 1e9)
            statsCost.append((withStats.cpu - attached.cpu) / 100 / withStats.events * 1e9)  // CPU share per event/s: ns per event
        }
        guard !latency.isEmpty else { return Self.failed(program, rate, .failed("the program never ran in the windows with bpf_stats on")) }
        return BenchmarkResult(name: Self.benchmarkName(program, rate), suite: Self.name, measures: [
            Measure.latency.result(latency), Measure.throughput.result(achieved), Measure.overheadNanoseconds.result(added),
            program == Self.hookOnly ? .without(.cpuPercentPredicted, .notApplicable("the hook alone is the prediction's calibration"))
                : dispatch == nil ? .without(.cpuPercentPredicted, .notApplicable("the hook alone was not measured at this rate"))
                : Measure.cpuPercentPredicted.result(predicted),
            Measure.cpuPercentMeasured.result(measured), Measure.statsOverheadNanoseconds.result(statsCost),
        ])
    }
}

extension CapacitySuite: BenchmarkSuite {
    public var name: String { Self.name }
    /// Attached programs count only bpfgate's process: the workload runs on the calling thread.
    public var measuresOnItsOwnThread: Bool { false }
    public func record(settings: inout [String: String], digests: inout [ObjectDigest]) { settings.merge(config.settings) { $1 } }
}
