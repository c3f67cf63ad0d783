import BPFCatalog
import Foundation
import Reports
import Results
import Testing

/// The guide's answers come from the data: two fixtures of opposite order flip them.
@Suite struct GuideTests {
    static func run(_ latencies: [String: Double], unsupported: [String: String] = [:], load: [String] = [], id: String = "0123456789abcdef",
                    memory: [String: (memlock: Double, charged: Double)] = [:]) -> ResultsFile {
        var benchmarks = latencies.sorted { $0.key < $1.key }.map { name, ns in
            BenchmarkResult(name: name, suite: "kernel", measures: [Measure.latency.result([ns * 0.98, ns, ns * 1.02])])
        }
        for (name, why) in unsupported.sorted(by: { $0.key < $1.key }) {
            benchmarks.append(BenchmarkResult(name: name, suite: "macro", measures: [.without(.latency, .unsupported(why))]))
        }
        for (name, m) in memory.sorted(by: { $0.key < $1.key }) {
            benchmarks.append(BenchmarkResult(name: name, suite: "memory", measures: [Measure.memlockBytes.result([m.memlock]),
                                                                                      Measure.chargedBytes.result([m.charged, m.charged])]))
        }
        return ResultsFile(testbed: Testbed(name: "tb", kernelRelease: "6.18", architecture: "x86_64", cpuModel: "cpu", cpuCount: 2,
                                            libbpfVersion: "1.1", clangVersion: "clang 21", jitEnabled: true, jitHarden: 0),
                           run: RunMetadata(id: id, toolVersion: "0.1.0", startedAt: "2026-11-30T00:00:00.000Z",
                                            finishedAt: "2026-11-30T00:01:00.000Z", durationSeconds: 60, git: nil, bpfObjects: [], load: load,
                                            suites: ["kernel", "macro"], settings: [:]),
                           benchmarks: benchmarks)
    }

    static func section(_ doc: GuideDocument, _ id: String) throws -> GuideSection {
        try #require(doc.sections.first { $0.id == id })
    }

    @Test func answers_flipWithTheData() throws {
        let a = Guide.build([Self.run(["kernel/map/hash/1024/full/lookup": 25, "kernel/map/percpu-array/1024/full/lookup": 1.25,
                                       "macro/count/tracepoint": 50, "macro/count/raw-tracepoint": 25,
                                       "kernel/helper/ringbuf_output/64": 34, "kernel/helper/perf_event_output/64": 5100])],
                            sources: ["a.json"], generatedAt: "2026-11-30T00:00:00.000Z")
        let b = Guide.build([Self.run(["kernel/map/hash/1024/full/lookup": 1.25, "kernel/map/percpu-array/1024/full/lookup": 25,
                                       "macro/count/tracepoint": 25, "macro/count/raw-tracepoint": 50,
                                       "kernel/helper/ringbuf_output/64": 5100, "kernel/helper/perf_event_output/64": 34])],
                            sources: ["b.json"], generatedAt: "2026-11-30T00:00:00.000Z")
        #expect(try Self.section(a, "maps").answer == "Percpu-array lookups cost 20.0x less than hash lookups here (1.25 ns against 25 ns, medians).")
        #expect(try Self.section(b, "maps").answer == "Hash lookups cost 20.0x less than percpu-array lookups here (1.25 ns against 25 ns, medians).")
        #expect(try Self.section(a, "hooks").answer.hasPrefix("Raw_tracepoint events cost 2.0x less than tracepoint events"))
        #expect(try Self.section(b, "hooks").answer.hasPrefix("Tracepoint events cost 2.0x less than raw_tracepoint events"))
        #expect(try Self.section(a, "submission").answer.hasPrefix("Ring buffer output 64 B records cost 150.0x less than perf buffer output"))
        #expect(try Self.section(b, "submission").answer.hasPrefix("Perf buffer output 64 B records cost 150.0x less than ring buffer output"))
    }

    @Test func rows_carryTheirSpreadRunAndThePublishedRange() throws {
        let doc = Guide.build([Self.run(["macro/count/tracepoint": 50, "macro/count/raw-tracepoint": 15],
                                        unsupported: ["macro/count/kprobe": "this kernel cannot attach kprobes"])],
                              sources: ["r.json"], generatedAt: "2026-11-30T00:00:00.000Z")
        let hooks = try Self.section(doc, "hooks")
        let tp = try #require(hooks.rows.first { $0.benchmark == "macro/count/tracepoint" })
        #expect(tp.value == 50 && tp.q1 < 50 && tp.q3 > 50 && tp.runID == "0123456789abcdef")
        #expect(tp.published == Published.hooks[.tracepoint] && tp.outsidePublished == true)
        let raw = try #require(hooks.rows.first { $0.benchmark == "macro/count/raw-tracepoint" })
        #expect(raw.outsidePublished == false)
        #expect(hooks.missing == ["kprobe: unsupported: this kernel cannot attach kprobes"])
        let md = doc.markdown()
        #expect(md.contains("| tracepoint (counting program) | 50 ns | 49.5..50.5 | 01234567 | 15-30 ns (outside) |"), "\(md)")
        #expect(md.contains("- not on this machine: kprobe: unsupported: this kernel cannot attach kprobes"))
        #expect(doc.sections.map(\.id) == ["maps", "load", "hooks", "helpers", "submission", "memory", "capacity"])
    }

    /// `load`: each background load's median ratio to idle, from runs recorded with `--load`; swapped, it flips.
    @Test func load_answersFromTheLoadedRunsAgainstIdle() throws {
        let idle = ["kernel/map/hash/1024/full/lookup": 20.0, "user/map/hash/1024/update": 1000, "user/map/array/1024/lookup": 800]
        let busy = ["kernel/map/hash/1024/full/lookup": 30.0, "user/map/hash/1024/update": 1500, "user/map/array/1024/lookup": 2000]
        let a = Guide.build([Self.run(idle, id: "idle"), Self.run(busy, load: ["cpu:80"], id: "busy")], sources: [], generatedAt: "t")
        let b = Guide.build([Self.run(busy, id: "idle"), Self.run(idle, load: ["cpu:80"], id: "busy")], sources: [], generatedAt: "t")
        let la = try Self.section(a, "load"), lb = try Self.section(b, "load")
        #expect(la.answer == "Under cpu:80 map operations took 1.50x their idle time (median of 3), array lookup from user space (1024 entries) 2.50x.", "\(la.answer)")
        #expect(lb.answer.hasPrefix("Under cpu:80 map operations took 0.67x their idle time"), "\(lb.answer)")
        #expect(la.rows.count == 6 && la.rows.filter { $0.load == "cpu:80" }.allSatisfy { $0.runID == "busy" })
        // The other sections take the idle run only.
        #expect(try Self.section(a, "maps").rows.allSatisfy { $0.runID == "idle" })
        #expect(a.markdown().contains("| hash lookup in kernel (1024 entries, full) | 20 ns | 30 ns (1.50x) |"), "\(a.markdown())")
        let none = Guide.build([Self.run(idle)], sources: [], generatedAt: "t")
        #expect(try Self.section(none, "load").answer.hasPrefix("No map operation was measured both idle and under a background load"))
    }

    /// `memory`: preallocated against BPF_F_NO_PREALLOC and memlock's error, from the data; swapped, it flips.
    @Test func memory_answersPreallocationAndMemlocksError() throws {
        let pre = ["memory/map/hash/10240/8/empty": (memlock: 918_544.0, charged: 921_600.0), "memory/map/hash/10240/8/full": (918_544, 921_600)]
        let no = ["memory/map/hash-noprealloc/10240/8/empty": (memlock: 263_040.0, charged: 266_240.0),
                  "memory/map/hash-noprealloc/10240/8/full": (1_000_320, 1_335_296)]
        let a = Guide.build([Self.run([:], memory: pre.merging(no) { x, _ in x })], sources: [], generatedAt: "t")
        let section = try Self.section(a, "memory")
        #expect(section.answer == "Empty, a preallocated hash of 10240 entries x 8 B takes 3.5x more memory than one with BPF_F_NO_PREALLOC "
            + "(921600 B against 266240 B); full, 1.4x less memory than one with BPF_F_NO_PREALLOC (921600 B against 1335296 B); "
            + "memlock is furthest from the charge for hash-noprealloc 10240 x 8 B, full: -25 %.", "\(section.answer)")
        let row = try #require(section.rows.first { $0.benchmark == "memory/map/hash/10240/8/empty" })
        #expect(row.value == 921_600 && row.memlockBytes == 918_544 && row.published?.text == "931712 B" && row.outsidePublished == true)
        #expect(abs((row.memlockErrorPercent ?? 0) - (918_544.0 / 921_600 - 1) * 100) < 1e-9)
        // Swapped sizes: the preallocated one is the smaller, empty.
        let swapped = Dictionary(uniqueKeysWithValues: pre.map { ($0.key.replacingOccurrences(of: "/hash/", with: "/hash-noprealloc/"), $0.value) }
            + no.map { ($0.key.replacingOccurrences(of: "/hash-noprealloc/", with: "/hash/"), $0.value) })
        let b = Guide.build([Self.run([:], memory: swapped)], sources: [], generatedAt: "t")
        #expect(try Self.section(b, "memory").answer.hasPrefix("Empty, a preallocated hash of 10240 entries x 8 B takes 3.5x less memory"))
        #expect(a.markdown().contains("| hash 10240 x 8 B, empty | 921600 B | 921600..921600 | 918544 B | -0.3 % |"), "\(a.markdown())")
    }

    /// `capacity`: ns per event (the hook's own cost added) x rate, and the validation rows from the capacity suite.
    static func capacityRun(_ programs: [String: (ns: Double, predicted: Double, measured: Double)]) -> ResultsFile {
        var run = Self.run([:])
        run.benchmarks.append(BenchmarkResult(name: "capacity/hook-only/tracepoint/100000", suite: "capacity", measures: [
            Measure.latency.result([50, 50]), Measure.overheadNanoseconds.result([150, 150]),
        ]))
        for (program, v) in programs.sorted(by: { $0.key < $1.key }) {
            run.benchmarks.append(BenchmarkResult(name: "capacity/\(program)/tracepoint/100000", suite: "capacity", measures: [
                Measure.latency.result([v.ns, v.ns]), Measure.throughput.result([99_990, 100_010]),
                Measure.cpuPercentPredicted.result([v.predicted]), Measure.cpuPercentMeasured.result([v.measured]),
            ]))
        }
        return run
    }

    @Test func capacity_projectsWithTheHooksCost_andListsTheValidation() throws {
        let a = Guide.build([Self.capacityRun(["map-heavy": (500, 6, 6.5), "probe-read": (100, 2, 1.6)])], sources: [], generatedAt: "t")
        let section = try Self.section(a, "capacity")
        #expect(section.answer == "At 100000 events/s map-heavy (tracepoint) costs 6.0 % of one CPU (600 ns per event, the hook's 100 ns included), "
            + "probe-read (tracepoint) 2.0 %; that prediction came within 16 % of the CPU measured at fixed rates (the workload's CPU with the "
            + "program minus without; median over 2 program x rate rows, 1 of them under).", "\(section.answer)")
        #expect(section.validation == [
            CapacityValidation(program: "map-heavy (tracepoint)", eventsPerSecond: 100_000, predictedCpuPercent: 6, measuredCpuPercent: 6.5, runID: "0123456789abcdef"),
            CapacityValidation(program: "probe-read (tracepoint)", eventsPerSecond: 100_000, predictedCpuPercent: 2, measuredCpuPercent: 1.6, runID: "0123456789abcdef"),
        ])
        #expect(section.rows.count == 6 && !section.rows.contains { $0.item.hasPrefix("hook-only") })
        let b = Guide.build([Self.capacityRun(["map-heavy": (100, 2, 2), "probe-read": (500, 6, 6)])], sources: [], generatedAt: "t")
        #expect(try Self.section(b, "capacity").answer.hasPrefix("At 100000 events/s probe-read (tracepoint) costs 6.0 % of one CPU"))
        let json = String(decoding: try JSONEncoder().encode(a), as: UTF8.self)
        #expect(json.contains("\"validation\":[{") && json.contains("\"predictedCpuPercent\":6"), "\(json)")
        #expect(a.markdown().contains("| map-heavy (tracepoint) | 100000 | 6.00 | 6.50 | -8 % | 01234567 |"), "\(a.markdown())")
    }

    /// Every section from fixtures: idle and loaded map operations, hooks, memory and capacity.
    static var everySection: GuideDocument {
        var idle = Self.capacityRun(["map-heavy": (500, 6, 6.5), "probe-read": (100, 2, 1.6)])
        idle.benchmarks += Self.run(["kernel/map/hash/1024/full/lookup": 25, "kernel/map/array/1024/full/lookup": 3,
                                     "macro/count/tracepoint": 50, "macro/count/raw-tracepoint": 25,
                                     "kernel/helper/ringbuf_output/64": 34, "kernel/helper/perf_event_output/64": 510],
                                    memory: ["memory/map/hash/10240/8/empty": (918_544, 921_600), "memory/map/hash-noprealloc/10240/8/empty": (263_040, 266_240)])
            .benchmarks
        let busy = Self.run(["kernel/map/hash/1024/full/lookup": 30, "kernel/map/array/1024/full/lookup": 3.3], load: ["cpu:80"], id: "busy")
        return Guide.build([idle, busy], sources: ["idle.json", "busy.json"], generatedAt: "2026-11-30T00:00:00.000Z")
    }

    @Test func page_matchesGolden_andIsSelfContained() throws {
        let html = Self.everySection.html()
        #expect(try HTMLReportTests.matches(html, "guide.html"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http") && !html.contains("@import"))
        for id in ["maps", "load", "hooks", "submission", "memory", "capacity"] { #expect(html.contains("<section id=\"\(id)\">"), "\(id)") }
        #expect(html.contains("Not shown: What each helper costs per call: No two helpers were measured here."))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 6)
    }

    /// `submission` end to end: the macro suite's buffer programs with bpfgate's consumer, received per second and drops.
    @Test func submission_endToEnd_saysWhatTheConsumerReceived() throws {
        func run(ring: Double, perf: Double) -> ResultsFile {
            var r = Self.run([:])
            for (program, rate) in [("ringbuf-64", ring), ("perfbuf-64", perf)] {
                r.benchmarks.append(BenchmarkResult(name: "macro/\(program)/tracepoint", suite: "macro", measures: [
                    Measure.latency.result([3000, 3100]), Measure.consumedPerSecond.result([rate, rate]), Measure.dropPercent.result([0.5, 0.5]),
                ]))
            }
            return r
        }
        let a = try Self.section(Guide.build([run(ring: 600_000, perf: 150_000)], sources: [], generatedAt: "t"), "submission")
        #expect(a.answer.hasSuffix("End to end at 64 B, bpfgate's consumer received 600000 events/s from the ring buffer and 150000 from the perf buffer."),
                "\(a.answer)")
        #expect(a.rows.contains { $0.item == "ring buffer 64 B end to end, per getppid() (600000 events/s received, 0.5 % dropped)" }, "\(a.rows.map(\.item))")
        let b = try Self.section(Guide.build([run(ring: 150_000, perf: 600_000)], sources: [], generatedAt: "t"), "submission")
        #expect(b.answer.hasSuffix("received 150000 events/s from the ring buffer and 600000 from the perf buffer."))
    }
}
