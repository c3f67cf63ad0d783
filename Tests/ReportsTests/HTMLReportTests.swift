import Foundation
import Gate
@testable import Reports
import Results
import Statistics
import Testing

/// Fixed inputs for every section of the report.
enum Sample {
    static let testbed = Testbed(name: "tb", kernelRelease: "6.18.44", architecture: "x86_64", cpuModel: "cpu", cpuCount: 2,
                                 libbpfVersion: "1.1", clangVersion: "clang 21", jitEnabled: true, jitHarden: 0)

    static func samples(_ center: Double, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0 ..< 12).map { _ in center * (1 + 0.03 * (Double(g.next() % 2001) / 1000 - 1)) }
    }

    static func latency(_ name: String, _ ns: Double, seed: UInt64 = 1) -> BenchmarkResult {
        BenchmarkResult(name: name, suite: String(name.split(separator: "/")[0]), measures: [Measure.latency.result(samples(ns, seed: seed))])
    }

    static func run(id: Int, commit: String, finished: String, benchmarks: [BenchmarkResult]) -> ResultsFile {
        ResultsFile(testbed: testbed, run: RunMetadata(id: String(format: "00000000-0000-4000-8000-%012d", id), toolVersion: "0.1.0",
                                                       startedAt: finished, finishedAt: finished, durationSeconds: 1,
                                                       git: GitState(commit: commit, dirty: false), bpfObjects: [], load: [],
                                                       suites: [], settings: [:]),
                    benchmarks: benchmarks)
    }

    /// Map operations from user space and in the kernel, hooks (one unsupported), event buffers.
    static var results: ResultsFile {
        var b: [BenchmarkResult] = []
        for (i, type) in ["hash", "array", "lru-hash"].enumerated() {
            b.append(latency("user/map/\(type)/1024/lookup", 450 + Double(i) * 40, seed: UInt64(i)))
            b.append(latency("user/map/\(type)/1024/update", 520 + Double(i) * 60, seed: UInt64(i) + 10))
            b.append(latency("kernel/map/\(type)/1024/full/lookup", type == "array" ? 2.1 : 25 + Double(i) * 3, seed: UInt64(i) + 20))
            if type != "array" { b.append(latency("kernel/map/\(type)/1024/full/delete-insert", 180 + Double(i) * 10, seed: UInt64(i) + 30)) }
        }
        b.append(latency("kernel/map/queue/1024/50pct/push-pop", 65, seed: 40))
        b.append(BenchmarkResult(name: "macro/count/tracepoint", suite: "macro", measures: [
            Measure.latency.result(samples(57, seed: 50)), Measure.overheadNanoseconds.result(samples(94, seed: 51))]))
        b.append(BenchmarkResult(name: "macro/count/kprobe", suite: "macro", measures: [
            .without(.latency, .unsupported("attach: bpf_program__attach failed: No such file or directory (ENOENT)")),
            .without(.overheadNanoseconds, .unsupported("attach: bpf_program__attach failed: No such file or directory (ENOENT)"))]))
        for (kind, base) in [("ringbuf_output", 33.0), ("ringbuf_reserve_submit", 30.0), ("perf_event_output", 800.0)] {
            for (k, size) in [64, 4096].enumerated() {
                b.append(latency("kernel/helper/\(kind)/\(size)", base * (k == 0 ? 1 : kind == "ringbuf_output" ? 16 : 2), seed: UInt64(60 + k)))
            }
        }
        return run(id: 1, commit: String(repeating: "ab", count: 20), finished: "2026-11-22T10:00:00.000Z", benchmarks: b)
    }

    /// 30 runs of one benchmark with a +12 % step at run 20.
    static var history: [HistorySeries] {
        let points = (0 ..< 30).map { i in
            let v = (i < 20 ? 25.0 : 28.0) * (1 + 0.01 * sin(Double(i) * 1.7))
            return HistoryPoint(runID: "run-\(i)", time: String(format: "2026-11-%02dT10:00:00.000Z", i % 28 + 1),
                                commit: String(format: "c0ffee%02d", i) + String(repeating: "0", count: 32), kind: "save", value: v, lower: v * 0.98, upper: v * 1.02)
        }
        return [HistorySeries(benchmark: "kernel/map/hash/1024/full/lookup", measure: "latency", unit: "ns",
                              direction: .smallerIsBetter, points: points)]
    }

    static var comparison: GateReport {
        func finding(_ name: String, _ change: Double, _ lower: Double, _ upper: Double, _ verdict: Verdict, note: String = "") -> Finding {
            var f = Finding(benchmark: name, measure: "latency", unit: "ns", direction: .smallerIsBetter, verdict: verdict, note: note)
            f.base = 100
            f.head = 100 * (1 + change)
            f.change = change
            f.ratioLower = lower
            f.ratioUpper = upper
            return f
        }
        return GateReport(mode: .ab, testbed: "tb", headRun: "head", baseRuns: ["base"], findings: [
            finding("xdp/demo/fib-classifier", 0.031, 1.02, 1.042, .regression),
            finding("kernel/map/hash/1024/full/lookup", -0.002, 0.99, 1.006, .unchanged),
            finding("kernel/map/array/1024/full/lookup", -0.08, 0.9, 0.94, .improvement),
            finding("kernel/map/hash/1024/full/lookup/reference", 0.4, 1.4, 1.4, .unchanged, note: "reference: not gated (its change is the machine's speed of the moment)"),
        ], geomeanRatio: 1.0)
    }

    static var input: ReportInput {
        let series = history
        return ReportInput(results: [results], history: series, trend: Trend.analyze(series, options: TrendOptions(recent: 5)),
                           comparison: comparison, sources: ["results.json", "verdict.json"], generatedAt: "2026-11-22T12:00:00.000Z")
    }
}

/// The HTML page and each chart against golden files (`BPFGATE_RECORD_GOLDEN=1` re-records them), and what
/// makes a chart readable: titles, axis titles with units, legends, text of at least 12 px, nothing fetched.
@Suite struct HTMLReportTests {
    static func matches(_ text: String, _ name: String) throws -> Bool {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["BPFGATE_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            return true
        }
        return try String(contentsOf: url, encoding: .utf8) == text
    }

    @Test func everySection_isBuiltFromItsInputs() throws {
        let (sections, omitted) = HTMLReport.sections(Sample.input)
        try #require(sections.map(\.id) == ["maps", "hooks", "events", "comparison", "trends"])
        #expect(omitted.isEmpty)
        let maps = sections[0]
        #expect(maps.charts.map(\.id) == ["user", "kernel"])
        #expect(maps.table.contains { $0.contains("kernel/map") == false && $0[1] == "queue (50pct)" })
    }

    @Test func sectionsWithoutData_areNamedAsLeftOut() {
        let (sections, omitted) = HTMLReport.sections(ReportInput(comparison: Sample.comparison, generatedAt: "t"))
        #expect(sections.map(\.id) == ["comparison"])
        #expect(omitted.count == 4 && omitted.contains { $0.hasPrefix("Trends") })
    }

    @Test func page_matchesGolden_andIsSelfContained() throws {
        let html = HTMLReport.html(Sample.input)
        #expect(try Self.matches(html, "report.html"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http") && !html.contains("@import"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 6)
        for id in ["maps", "hooks", "events", "comparison", "trends"] { #expect(html.contains("<section id=\"\(id)\">")) }
    }

    @Test func markdown_linksEachChartFile() throws {
        let (md, svgs) = HTMLReport.markdown(Sample.input) { "r-\($0)-\($1).svg" }
        #expect(svgs.map(\.name) == ["r-maps-user.svg", "r-maps-kernel.svg", "r-hooks-hooks.svg", "r-events-events.svg",
                                     "r-comparison-comparison.svg", "r-trends-trend-0.svg"])
        for s in svgs { #expect(md.contains("](\(s.name))")) }
        #expect(try Self.matches(md, "report.md"))
    }

    @Test func charts_matchGolden() throws {
        let (sections, _) = HTMLReport.sections(Sample.input)
        for s in sections {
            for c in s.charts { #expect(try Self.matches(c.svg, "\(s.id)-\(c.id).svg"), "\(s.id)-\(c.id).svg differs") }
        }
    }

    @Test func charts_areReadable() throws {
        let (sections, _) = HTMLReport.sections(Sample.input)
        let sizes = try NSRegularExpression(pattern: #"font-size="([0-9.]+)""#)
        for s in sections {
            for c in s.charts {
                let svg = c.svg
                let found = sizes.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).map {
                    Double(svg[Range($0.range(at: 1), in: svg)!])!
                }
                #expect(!found.isEmpty && found.allSatisfy { $0 >= 12 }, "\(c.id): a text smaller than 12 px")
                #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains("<title>"))
                // An axis title names its unit.
                #expect(svg.contains(", ns") || svg.contains(", %") || svg.contains(", bytes") || svg.contains("change of head vs base, %"),
                        "\(c.id): no unit in an axis title")
            }
        }
        // Legends: every series of a multi-series chart is named in it.
        try #require(sections.count >= 2 && !sections[0].charts.isEmpty && !sections[1].charts.isEmpty)
        let maps = sections[0].charts[0].svg
        for op in ["lookup", "update"] { #expect(maps.contains(">\(op)</text>")) }
        #expect(sections[1].charts[0].svg.contains("unsupported: attach"))
    }

    @Test func trendChart_marksTheChangePoint() throws {
        let (sections, _) = HTMLReport.sections(Sample.input)
        let trend = try #require(sections.first { $0.id == "trends" })
        try #require(trend.table.count == 2 && trend.table[1].count > 2 && !trend.charts.isEmpty)
        #expect(trend.table[1][2].hasPrefix("#20 "))
        #expect(trend.charts[0].svg.contains("stroke-dasharray=\"6 4\"") && trend.charts[0].svg.contains("+11.9 % (p 7e-27) at c0ffee20"))
    }

    @Test func comparisonChart_leavesReferencesOut_regressionsFirst() throws {
        let (sections, _) = HTMLReport.sections(Sample.input)
        let svg = try #require(sections.first { $0.id == "comparison" }?.charts.first).svg
        #expect(!svg.contains("lookup/reference"))
        let regression = svg.range(of: "xdp/demo/fib-classifier")!, improvement = svg.range(of: "array/1024/full/lookup")!
        #expect(regression.lowerBound < improvement.lowerBound)
        #expect(svg.contains(ChartKit.regression) && svg.contains(ChartKit.improvement))
    }

    @Test func scales_giveNiceTicks() {
        // Up to three decades with 2 and 5 between powers of ten, more without.
        #expect(Scale.fitting([2.1, 5530], kind: .log10).ticks.map(\.label) == ["1", "10", "100", "1000", "10k"])
        #expect(Scale.fitting([1.5, 38], kind: .log10).ticks.map(\.label) == ["1", "2", "5", "10", "20", "50", "100"])
        #expect(Scale.fitting([64, 4096], kind: .log2).ticks.map(\.label) == ["64", "128", "256", "512", "1024", "2048", "4096"])
        let linear = Scale.fitting([-8, 3.1], kind: .linear, includeZero: true)
        #expect(linear.lower <= -8 && linear.upper >= 3.1 && linear.ticks.contains { $0.label == "0" })
        #expect(ChartKit.escape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
    }
}
