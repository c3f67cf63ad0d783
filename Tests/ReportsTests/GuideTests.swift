import BPFCatalog
import Foundation
import Reports
import Results
import Testing

/// The guide's answers come from the data: two fixtures of opposite order flip them.
@Suite struct GuideTests {
    static func run(_ latencies: [String: Double], unsupported: [String: String] = [:]) -> ResultsFile {
        var benchmarks = latencies.sorted { $0.key < $1.key }.map { name, ns in
            BenchmarkResult(name: name, suite: "kernel", measures: [Measure.latency.result([ns * 0.98, ns, ns * 1.02])])
        }
        for (name, why) in unsupported.sorted(by: { $0.key < $1.key }) {
            benchmarks.append(BenchmarkResult(name: name, suite: "macro", measures: [.without(.latency, .unsupported(why))]))
        }
        return ResultsFile(testbed: Testbed(name: "tb", kernelRelease: "6.18", architecture: "x86_64", cpuModel: "cpu", cpuCount: 2,
                                            libbpfVersion: "1.1", clangVersion: "clang 21", jitEnabled: true, jitHarden: 0),
                           run: RunMetadata(id: "0123456789abcdef", toolVersion: "0.1.0", startedAt: "2026-11-30T00:00:00.000Z",
                                            finishedAt: "2026-11-30T00:01:00.000Z", durationSeconds: 60, git: nil, bpfObjects: [], load: [],
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
        #expect(Set(doc.sections.map(\.id)) == ["maps", "hooks", "helpers", "submission"])
    }
}
