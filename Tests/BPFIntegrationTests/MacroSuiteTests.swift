import BPF
import BPFCatalog
import Foundation
import Harness
import Results
import Statistics
import Suites
import Testing

extension PrivilegedTests {
    @Suite struct MacroSuiteTests {
        static func small() -> MacroConfig {
            var c = MacroConfig()
            c.samples = 4
            c.windowMilliseconds = 20
            c.loads = 2
            return c
        }

        static func bpfStatsSysctl() -> String {
            (try? String(contentsOfFile: "/proc/sys/kernel/bpf_stats_enabled", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unreadable"
        }

        /// Every hook outside the kprobe and fentry families measures: latency from bpf_stats, throughput,
        /// overhead, and the load cost; the kprobe/fentry families are measured or unsupported with the
        /// kernel's answer, never a pass or a zero. Kernel state (programs, maps, tracefs mount, bpf_stats)
        /// is as before.
        @Test func everyHook_measuresOrSaysWhyNot() throws {
            let mountedBefore = TraceFS.isMounted
            let statsBefore = Self.bpfStatsSysctl()
            var results: [BenchmarkResult] = []
            try expectKernelLeftAsFound {
                results = try MacroSuite(config: Self.small()).run(include: { $0.hasPrefix("macro/count/") || $0 == "macro/map-heavy/tracepoint" })
            }
            #expect(TraceFS.isMounted == mountedBefore)
            #expect(Self.bpfStatsSysctl() == statsBefore)
            #expect(results.map(\.name).sorted() == (MacroSuite.cases.filter { $0.program == "count" }.map(\.name)
                    + ["macro/map-heavy/tracepoint", "macro/map-heavy/tracepoint/reference"]).sorted())
            // The map-heavy program is timed against the counting program in alternating windows.
            let heavy = try #require(results.first { $0.name == "macro/map-heavy/tracepoint" })
            #expect(heavy.reference == "macro/map-heavy/tracepoint/reference")
            let reference = try #require(results.first { $0.name == "macro/map-heavy/tracepoint/reference" })
            #expect(reference.measures.map(\.measure) == ["latency"])
            #expect(try #require(reference.measures.first).samples.count == 4)
            for b in results where b.name.split(separator: "/").count == 3 {
                let hook = b.name.split(separator: "/")[2]
                let byMeasure = Dictionary(uniqueKeysWithValues: b.measures.map { ($0.measure, $0) })
                // The load cost is known whenever the program loads.
                if let insns = byMeasure["verified-insns"], insns.status == .ok {
                    func single(_ m: String) throws -> Double {
                        let samples = try #require(byMeasure[m], "\(b.name) \(m)").samples
                        try #require(samples.count == 1, "\(b.name) \(m): \(samples)")
                        return samples[0]
                    }
                    let count = try single("verified-insns")
                    #expect(count > 0 && count < 1_000_000, "\(b.name)")
                    #expect(try single("jited-bytes") > 0 && (try single("memlock-bytes")) > 0, "\(b.name)")
                    let loads = try #require(byMeasure["load-ns"]).samples
                    #expect(loads.count == 2 && loads.allSatisfy { $0 > 0 }, "\(b.name)")
                    #expect(try single("xlated-bytes") > 0, "\(b.name)")
                    #expect(abs(try single("verifier-limit-percent") - count / 10_000) < 1e-9, "\(b.name)")
                }
                let latency = try #require(byMeasure["latency"])
                if Hook(slug: String(hook))?.family.mayBeUnsupported != nil {
                    if latency.status != .ok {
                        guard case let .unsupported(why) = latency.status else {
                            Issue.record("\(b.name): \(latency.status)"); continue
                        }
                        #expect(why.contains("ENOENT") || why.contains("EPERM") || why.contains("ESRCH") || why.contains("EOPNOTSUPP"), "\(why)")
                        #expect(b.measures.allSatisfy { $0.status != .ok ? $0.samples.isEmpty : true })
                        continue
                    }
                }
                // Anything else must measure, in CI too.
                #expect(latency.status == .ok, "\(b.name): \(latency.status)")
                #expect(latency.samples.count == 4 && latency.samples.allSatisfy { $0 > 1 && $0 < 100_000 }, "\(b.name): \(latency.samples)")
                let throughput = try #require(byMeasure["throughput"])
                #expect(throughput.samples.count == 4 && throughput.samples.allSatisfy { $0 > 1000 }, "\(b.name)")
                let overhead = try #require(byMeasure["overhead-ns"])
                if hook == "iter" {
                    // An iterator is its own workload: with nothing attached there is nothing to read.
                    #expect(overhead.status.reason?.contains("an iterator runs only when read") == true, "\(b.name): \(overhead.status)")
                } else {
                    #expect(overhead.samples.count == 4 && overhead.samples.allSatisfy(\.isFinite), "\(b.name)")
                }
                // Syscalls and packets keep the kernel busy with or without the program; a uprobe's workload
                // is a user-space loop, in the kernel only through the probe's trap.
                let userSpaceWorkload = ["uprobe", "uretprobe"].contains(hook)
                for m in ["system-cpu-percent", "system-cpu-percent-base"] {
                    let cpu = try #require(byMeasure[m])
                    // The base is sampled from few 10 ms ticks in these short windows: only its range is sure.
                    let floor = m.hasSuffix("-base") ? -1.0 : 1.0
                    #expect(cpu.samples.count == 1 && cpu.samples[0] > floor && cpu.samples[0] <= 100, "\(b.name) \(m): \(cpu.samples)")
                }
                if userSpaceWorkload {
                    let with = try #require(byMeasure["system-cpu-percent"]?.samples.first, "\(b.name)")
                    let without = try #require(byMeasure["system-cpu-percent-base"]?.samples.first, "\(b.name)")
                    #expect(with > without + 5, "\(b.name): the uprobe's trap puts the loop in the kernel: \(with) vs \(without) %")
                }
                #expect((byMeasure["rss-bytes"]?.samples.first ?? 0) > 1_000_000, "\(b.name)")
                // Where the program costs far more than the noise of a window (a uprobe traps on a ~5 ns call;
                // four map updates per getppid), the median overhead is clearly positive.
                if ["uprobe", "uretprobe"].contains(hook) || b.name.hasPrefix("macro/map-heavy") {
                    #expect((Descriptive.median(overhead.samples) ?? 0) > 50, "\(b.name): \(overhead.samples)")
                }
            }
            // The map-heavy program costs more per run than the empty counting program on the same hook.
            func medianLatency(_ name: String) throws -> Double {
                Descriptive.median(try #require(results.first { $0.name == name }?.measure("latency"), "\(name)").samples) ?? .nan
            }
            #expect(try medianLatency("macro/map-heavy/tracepoint") > (try medianLatency("macro/count/tracepoint")))
        }

        /// Ring buffer and perf buffer programs: bpfgate's consumer receives their events (drops counted,
        /// never negative), and the TCP variant of a packet hook sees its connection's segments.
        @Test func eventSubmissionAndTCP_measure() throws {
            var results: [BenchmarkResult] = []
            try expectKernelLeftAsFound {
                results = try MacroSuite(config: Self.small()).run(include: {
                    ["macro/ringbuf-64/tracepoint", "macro/perfbuf-4096/tracepoint", "macro/count-tcp/tc"].contains($0)
                })
            }
            func m(_ name: String, _ measure: String) throws -> MeasureResult {
                try #require(results.first { $0.name == name }?.measures.first { $0.measure == measure }, "\(name) \(measure)")
            }
            for name in ["macro/ringbuf-64/tracepoint", "macro/perfbuf-4096/tracepoint"] {
                let consumed = try m(name, "consumed"), drops = try m(name, "drop-percent")
                #expect(consumed.status == .ok && consumed.samples.count == 4 && consumed.samples.allSatisfy { $0 > 1000 }, "\(name): \(consumed)")
                #expect(drops.status == .ok && drops.samples.allSatisfy { $0 >= 0 && $0 <= 100 }, "\(name): \(drops)")
                #expect(try m(name, "latency").status == .ok)
            }
            // 64-byte events through a 4 MB ring buffer: the consumer keeps up (measured here: 0 % dropped).
            #expect((Descriptive.median(try m("macro/ringbuf-64/tracepoint", "drop-percent").samples) ?? 100) < 50)
            let tcp = try m("macro/count-tcp/tc", "latency")
            #expect(tcp.status == .ok && tcp.samples.count == 4, "\(tcp)")
            #expect(try m("macro/count-tcp/tc", "throughput").samples.allSatisfy { $0 > 1000 })
        }

        /// /proc/stat's first line: kernel = system + irq + softirq, total = the first eight fields.
        @Test func procStat_parses() throws {
            let text = "cpu  100 5 40 800 10 3 2 1 7 0\ncpu0 50 2 20 400 5 1 1 0 3 0\nintr 1\n"
            let t = try #require(CPUTimes(procStat: text))
            #expect(t.kernel == 45 && t.total == 961)
            let later = try #require(CPUTimes(procStat: "cpu  110 5 60 880 10 3 7 1 0 0\n"))
            #expect(later.kernelPercent(since: t) == 25.0 / 115.0 * 100)
            #expect(CPUTimes(procStat: "intr 1\n") == nil && CPUTimes(procStat: "cpu  1 2 3\n") == nil)
            #expect(CPUTimes.now() != nil)
        }

        /// The traffic generator stops by itself at its deadline and counts what it made.
        @Test func traffic_stopsByItself() throws {
            let t0 = Date()
            let traffic = try TrafficGenerator(kind: .getppid, threads: 2, maxSeconds: 0.2)
            usleep(50_000)
            let early = traffic.events
            usleep(400_000)
            let late = traffic.events
            usleep(100_000)
            #expect(early > 0)
            #expect(traffic.events == late, "still making events after its deadline")
            traffic.stop()
            #expect(Date().timeIntervalSince(t0) < 2)
            let bounded = try TrafficGenerator(kind: .uprobe, threads: 1, maxSeconds: 5, maxEvents: 6400)
            usleep(200_000)
            #expect(bounded.events == 6400)
            bounded.stop()
        }
    }
}

