import BPF
import BPFCatalog
import BPFObjects
import Foundation
import Harness
import Results
@testable import Suites
import Testing

/// Where the counting reference of a measured program attaches (no privilege needed): the program's own
/// target, read from its section.
@Suite struct ReferenceTargetTests {
    @Test(arguments: [
        ("tracepoint", "tracepoint/syscalls/sys_enter_openat", ReferenceTarget.tracepoint(category: "syscalls", name: "sys_enter_openat")),
        ("tracepoint", "tp/sched/sched_switch", .tracepoint(category: "sched", name: "sched_switch")),
        ("raw_tracepoint", "raw_tp/sys_exit", .rawTracepoint("sys_exit")),
        ("raw_tracepoint", "raw_tracepoint/sched_switch", .rawTracepoint("sched_switch")),
        ("tp_btf", "tp_btf/sys_exit", .btf("sys_exit")),
        ("fentry", "fentry/do_unlinkat", .btf("do_unlinkat")),
        ("fexit", "fexit/__x64_sys_getppid", .btf("__x64_sys_getppid")),
        ("kprobe", "kprobe/do_sys_openat2", .kprobe(function: "do_sys_openat2", retprobe: false)),
        ("kretprobe", "kretprobe/tcp_sendmsg+0x10", .kprobe(function: "tcp_sendmsg", retprobe: true)),
        ("kprobe", "ksyscall/kill", .kprobe(function: "__x64_sys_kill", retprobe: false)),
        ("iter", "iter/task_file", .btf("task_file")),
        ("lsm", "lsm/socket_connect", .btf("socket_connect")),
        ("xdp", "xdp", .sameHook),
        ("tc", "classifier", .sameHook),
        ("socket_filter", "socket", .sameHook),
        // A declaration's attach on a section that names no target: the reference's own section decides.
        ("tracepoint", "tracepoint/syscalls", .sameHook),
        ("tracepoint", "kprobe/do_sys_openat2", .sameHook),
        ("tp_btf", "tp_btf", .sameHook),
    ])
    func target(attach: String, section: String, expected: ReferenceTarget) {
        #expect(ReferenceTarget.of(hook: Hook(rawValue: attach)!, section: section) == expected, "\(attach) \(section)")
    }
}

/// The retry loop of overhead window pairs, on scripted rates (0: the traffic made no event in that window).
@Suite struct WindowRetryTests {
    static func suite(samples: Int) -> MacroSuite {
        var c = MacroConfig()
        c.samples = samples
        return MacroSuite(config: c)
    }

    /// Runs `overheadPairs` over `script` (rates in the order the windows are timed; 100 once it runs out).
    static func run(_ suite: MacroSuite, _ script: [Double], countsEvents: Bool = true)
        -> (pairs: OverheadPairs<Int>, budget: RetryBudget, order: [Bool], settles: Int)
    {
        var budget = suite.retryBudget
        var order: [Bool] = []
        var settles = 0
        let pairs = suite.overheadPairs(budget: &budget, countsEvents: countsEvents, settle: { settles += 1 }) { withProgram in
            order.append(withProgram)
            let i = order.count - 1
            return (i < script.count ? script[i] : 100, i)
        }
        return (pairs, budget, order, settles)
    }

    @Test func starvedPair_isTimedAgainAndDiscarded() throws {
        let r = Self.run(Self.suite(samples: 5), [0, 100, 100, 100, 100, 0, 100, 100])
        #expect(r.pairs.complete)
        #expect(r.pairs.with.count == 5 && r.pairs.without.count == 5)
        #expect(r.pairs.retries == 2 && r.pairs.starved == 2 && r.budget.used == 2 && r.settles == 2)
        // The windows of the starved pairs (0-1 and 4-5) are not among the kept ones.
        #expect(r.pairs.withExtras.count == 5 && r.pairs.withoutExtras.count == 5)
        #expect(Set(r.pairs.withExtras + r.pairs.withoutExtras).isDisjoint(with: [0, 1, 4, 5]))
        #expect(r.pairs.with.allSatisfy { $0 == 100 } && r.pairs.without.allSatisfy { $0 == 100 })
        // ABBA by pair, a retried pair in its own order: pair 0 (twice) with the program first, pair 1 (twice)
        // without it first, pair 2 with it first.
        #expect(Array(r.order.prefix(10)) == [true, false, true, false, false, true, false, true, true, false])
        #expect(r.order.count == 14)
    }

    @Test func pairStarvedFourTimes_givesUpAfterThreeRetries() throws {
        let r = Self.run(Self.suite(samples: 5), [100, 100] + Array(repeating: [0, 100], count: 4).flatMap { $0 })
        #expect(!r.pairs.complete)
        #expect(r.pairs.with.count == 1 && r.pairs.retries == 3 && r.pairs.starved == 4)
        #expect(r.order.count == 10, "the loop stopped at the pair that used its retries")
    }

    /// Every pair starved twice: the benchmark's budget (samples = 5 retries) runs out in the third pair.
    @Test func totalBudget_boundsRetriesAcrossPairs() throws {
        let r = Self.run(Self.suite(samples: 5), Array(repeating: [0, 100, 0, 100, 100, 100], count: 5).flatMap { $0 })
        #expect(!r.pairs.complete)
        #expect(r.pairs.with.count == 2 && r.pairs.retries == 5 && r.budget.used == r.budget.total && r.budget.total == 5)
        var config = MacroConfig()
        config.samples = 5
        config.maxRetries = 8
        let more = Self.run(MacroSuite(config: config), Array(repeating: [0, 100, 0, 100, 100, 100], count: 5).flatMap { $0 })
        #expect(!more.pairs.complete && more.pairs.with.count == 4 && more.pairs.retries == 8)
    }

    /// A user's command as traffic: its events are not counted, so a zero is no starvation.
    @Test func uncountedTraffic_keepsEveryPair() throws {
        let r = Self.run(Self.suite(samples: 4), Array(repeating: 0, count: 8), countsEvents: false)
        #expect(r.pairs.complete && r.pairs.with.count == 4 && r.pairs.retries == 0 && r.order.count == 8)
    }

    @Test func budget_countsOnlyAllowedRetries() {
        var b = RetryBudget(perPair: 3, total: 4)
        let answers = [b.allow(after: 0), b.allow(after: 1), b.allow(after: 2), b.allow(after: 3), b.allow(after: 0), b.allow(after: 0)]
        // The fourth retry of one pair is refused; a new pair gets one more; then the total is spent.
        #expect(answers == [true, true, true, false, true, false])
        #expect(b.used == 4)
    }
}

extension PrivilegedTests {
    @Suite struct MacroReferenceTests {
        static func small() -> MacroConfig {
            var c = MacroConfig()
            c.samples = 4
            c.windowMilliseconds = 20
            c.loads = 1
            return c
        }

        /// Programs of this repository's test object on hooks getppid() never fires (openat's and getpgid's
        /// syscall tracepoints) and on sys_exit (raw_tp, tp_btf), run as `run --object` runs them: each is
        /// timed against the counting program on its own target, under the traffic its section calls for.
        @Test func ownTargets_measureAgainstAReferenceThatRuns() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-ref-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("testcases.bpf.o").path
            try Data(EmbeddedBPFObject.testcases.bytes).write(to: URL(fileURLWithPath: path))
            let wanted = ["object/testcases/openat_calls/tracepoint", "object/testcases/getpgid_calls/tracepoint",
                          "object/testcases/exit_calls/raw-tracepoint", "object/testcases/exit_calls_btf/tp-btf"]
            let suite = ObjectSuite(config: Self.small(), files: [path], declarations: [])
            let traffic = try suite.entries().compactMap { e -> String? in
                guard wanted.contains(e.name), case let .success(c) = e.runnable else { return nil }
                return c.traffic.rawValue
            }
            #expect(traffic == ["openat", "getpgid", "getppid", "getppid"])
            let tracefsBefore = TraceFS.isMounted
            var results: [BenchmarkResult] = []
            var notes: [String] = []
            try expectKernelLeftAsFound {
                results = try suite.run(include: { wanted.contains($0) }, progress: { notes.append($0) })
            }
            #expect(TraceFS.isMounted == tracefsBefore)
            #expect(results.map(\.name) == wanted.flatMap { [$0, "\($0)/reference"] }, "\(notes)")
            for name in wanted {
                let b = try #require(results.first { $0.name == name })
                #expect(b.reference == "\(name)/reference")
                let latency = try #require(b.measure("latency"))
                #expect(latency.status == .ok, "\(name): \(latency.status)")
                #expect(latency.samples.count == 4 && latency.samples.allSatisfy { $0 > 1 && $0 < 100_000 }, "\(name): \(latency.samples)")
                let throughput = try #require(b.measure("throughput"))
                #expect(throughput.status == .ok && throughput.samples.allSatisfy { $0 > 1000 }, "\(name): \(throughput.status)")
                let reference = try #require(results.first { $0.name == "\(name)/reference" }?.measure("latency"))
                #expect(reference.status == .ok, "\(name)/reference: \(reference.status)")
                #expect(reference.samples.count == 4 && reference.samples.allSatisfy { $0 > 1 && $0 < 100_000 }, "\(reference.samples)")
            }
        }

        /// A reference on getppid's tracepoint under openat traffic saw nothing; the failure must say which
        /// side saw no runs. Here one side is loaded but never attached, the other counts getppid() calls.
        @Test func missingRuns_nameTheSide() throws {
            try expectKernelLeftAsFound {
                let mounted = try HookAttach.mountTraceFSIfAbsent()
                defer { if let mounted { Cleanup.shared.run(mounted) } }
                func load() throws -> BPFObject {
                    let o = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
                    try o.autoloadOnly("probe_tracepoint")
                    try o.load()
                    try HookAttach.countOnlyThisProcess(o)
                    return o
                }
                let (silent, counting) = (try load(), try load())
                defer { silent.close(); counting.close() }
                let quiet: MacroSuite.Attachable = (try silent.program(named: "probe_tracepoint"), { { } })
                let countingProgram = try counting.program(named: "probe_tracepoint")
                let runs: MacroSuite.Attachable = (countingProgram, {
                    let link = try countingProgram.attachTracepoint(category: "syscalls", name: "sys_enter_getppid")
                    return { link.destroy() }
                })
                let traffic = try TrafficGenerator(kind: .getppid, threads: 1, maxSeconds: 20)
                defer { traffic.stop() }
                let stats = try StatsSession()
                defer { stats.close() }
                let suite = MacroSuite(config: Self.small())
                for (a, b, silentSide) in [(quiet, runs, "the program"), (runs, quiet, "the reference")] {
                    var budget = suite.retryBudget
                    let out = try suite.alternate([a], [b], budget: &budget, events: { traffic.events })
                    #expect(!out.complete && out.a.isEmpty && out.retries == 3 && budget.used == 3)
                    #expect(out.windows == 4 && (silentSide == "the program" ? (out.emptyA, out.emptyB) == (4, 0) : (out.emptyA, out.emptyB) == (0, 4)))
                    let why = out.shortfall(samples: 4, a: "the program", b: "the reference")
                    #expect(why == "attached, but \(silentSide) saw no run in 4 of 4 windows (0 of 4 window pairs kept, 3 timed again)", "\(why)")
                }
            }
        }

        /// Traffic that stops (a generator capped at one event): the windows are timed again within the
        /// budget, then that benchmark alone fails, saying the traffic made no event; the next one measures.
        /// The starved case is a uprobe on a function of this process with a reference on the same uprobe:
        /// nothing else on the machine can make either run (a syscall tracepoint fires for every process).
        @Test func starvedTraffic_failsThatBenchmarkAlone() throws {
            let suite = MacroSuite(config: Self.small())
            var starved = MacroCase(program: "starved", attach: .uprobe, object: "probes", function: "probe_uprobe",
                                    traffic: .uprobe, reference: "probe_uprobe")
            starved.maxEvents = 1
            let healthy = try #require(MacroSuite.cases.first { $0.name == "macro/count/raw-tracepoint" })
            var results: [BenchmarkResult] = []
            var notes: [String] = []
            let t0 = Date()
            try expectKernelLeftAsFound {
                results = try suite.runCase(starved, demo: nil, progress: { notes.append($0) })
                    + suite.runCase(healthy, demo: nil, progress: { notes.append($0) })
            }
            #expect(Date().timeIntervalSince(t0) < 30, "retries are bounded")
            #expect(results.map(\.name) == ["macro/starved/uprobe", "macro/starved/uprobe/reference", "macro/count/raw-tracepoint"])
            let heavy = try #require(results.first)
            #expect(heavy.reference == nil, "a benchmark whose latency failed is not judged on a ratio")
            guard case let .failed(latency)? = heavy.measure("latency")?.status else {
                Issue.record("latency: \(String(describing: heavy.measure("latency")))"); return
            }
            #expect(latency.contains("the program saw no run in 4 of 4 windows") && latency.contains("the reference (probe_uprobe on the program's hook) saw no run in 4 of 4 windows"), "\(latency)")
            #expect(latency.contains("the traffic made no event in 4 of those pairs"), "\(latency)")
            guard case let .failed(throughput)? = heavy.measure("throughput")?.status else {
                Issue.record("throughput: \(String(describing: heavy.measure("throughput")))"); return
            }
            // The benchmark's 4 retries: 3 for the first latency pair, the last for the first overhead pair.
            #expect(throughput == "the uprobe traffic made no event in 4 windows (0 of 4 window pairs kept, 1 timed again)", "\(throughput)")
            #expect(notes.contains { $0.hasPrefix("macro/starved/uprobe: 4 window pairs timed again (4 of 4 allowed)") }, "\(notes)")
            // What loading cost is known all the same.
            #expect(heavy.measure("verified-insns")?.status == .ok)
            guard case .failed? = results.dropFirst().first?.measure("latency")?.status else {
                Issue.record("the reference of a failed benchmark must not pass"); return
            }
            let fine = try #require(results.last)
            let fineLatency = try #require(fine.measure("latency"))
            #expect(fineLatency.status == .ok && fineLatency.samples.count == 4, "\(fineLatency.status)")
            #expect(fine.measure("throughput")?.status == .ok)
        }
    }
}
