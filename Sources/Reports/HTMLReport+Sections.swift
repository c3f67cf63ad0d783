import BPFCatalog
import Foundation
import Gate
import Results
import Statistics

/// The report's sections, each from the benchmarks it understands by name.
enum ReportSections {
    typealias Measures = [String: [String: MeasureResult]]

    static let mapOrder = ["hash", "hash-noprealloc", "array", "percpu-hash", "percpu-array", "lru-hash", "lru-percpu-hash",
                           "lpm-trie", "bloom-filter", "queue", "stack"]
    static let operationOrder = ["lookup", "lookup-miss", "update", "insert", "delete", "delete-insert", "batch-lookup",
                                 "batch-update", "push", "peek", "push-pop"]

    /// A bar for an ok measure: median and quartiles.
    static func bar(_ m: MeasureResult?) -> BarChart.Bar? {
        guard let m, m.status == .ok, let s = Summary(m.samples) else { return nil }
        return BarChart.Bar(value: s.median, lower: s.q1, upper: s.q3)
    }

    static func ordered(_ names: Set<String>, by order: [String]) -> [String] {
        names.sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
    }

    static func fmt(_ m: MeasureResult?) -> [String] {
        guard let m else { return ["-", "-"] }
        guard m.status == .ok, let s = Summary(m.samples) else { return ["\(m.status.label)", m.status.reason ?? ""] }
        return ["\(TerminalTable.format(s.median)) \(m.unit)", "\(TerminalTable.format(s.q1))..\(TerminalTable.format(s.q3))"]
    }

    // MARK: map operations

    static func maps(_ latest: Measures) -> ReportSection? {
        var charts: [ReportSection.Chart] = []
        var table: [[String]] = [["where", "map", "operation", "median", "quartiles"]]
        // user/map/<type>/<size>/<op>: the size most benchmarks have, 1024 first.
        func userName(_ type: String, _ size: String, _ leaf: String) -> String { BenchmarkName(["user", "map", type, size, leaf]).description }
        let user = latest.keys.compactMap { name -> (type: String, size: String, op: String)? in
            let n = BenchmarkName(parsing: name)
            guard let m = n.userMap, !n.isReference, latest[name]?["latency"] != nil else { return nil }
            return (m.type, m.size, m.leaf)
        }
        if let size = preferred(user.map(\.size)) {
            let picked = user.filter { $0.size == size }
            let ops = ordered(Set(picked.map(\.op)), by: operationOrder)
            let rows = ordered(Set(picked.map(\.type)), by: mapOrder).map { type in
                BarChart.Row(label: type, bars: ops.map { bar(latest[userName(type, size, $0)]?["latency"]) },
                             note: latest[userName(type, size, ops.first ?? "")]?["latency"]?.status.reason)
            }
            var chart = BarChart(title: "Map operations from user space (\(size) entries): one bpf(2) call each",
                                 axisTitle: "time per operation, ns", unit: "ns", series: ops, rows: rows, log: true)
            chart.width = 900
            charts.append(.init(id: "user", caption: "Median time per operation of each map type, timed from user space (syscall included); whiskers: the run's quartiles.", svg: chart.svg()))
            for r in rows { for op in ops { table.append(["user space", r.label, op] + fmt(latest[userName(r.label, size, op)]?["latency"])) } }
        }
        // kernel/map/<type>/<size>/<fill>/<op>: per type the preferred size, and "full" where it has it.
        let kernel = latest.keys.compactMap { name -> (type: String, size: String, fill: String, op: String)? in
            guard let m = BenchmarkName(parsing: name).kernelMap, m.operation != "lookup-test-run", latest[name]?["latency"] != nil else { return nil }
            return (m.type, m.size, m.fill, m.operation)
        }
        func kernelName(_ type: String, _ size: String, _ fill: String, _ op: String) -> String {
            BenchmarkName(["kernel", "map", type, size, fill, op]).description
        }
        if let size = preferred(kernel.map(\.size)) {
            let picked = kernel.filter { $0.size == size }
            let ops = ordered(Set(picked.map(\.op)), by: operationOrder)
            var rows: [BarChart.Row] = []
            for type in ordered(Set(picked.map(\.type)), by: mapOrder) {
                let fills = Set(picked.filter { $0.type == type }.map(\.fill))
                let fill = fills.contains("full") ? "full" : fills.sorted().first!
                let label = fill == "full" ? type : "\(type) (\(fill))"
                rows.append(BarChart.Row(label: label, bars: ops.map { bar(latest[kernelName(type, size, fill, $0)]?["latency"]) },
                                         note: latest[kernelName(type, size, fill, ops.first ?? "")]?["latency"]?.status.reason))
                for op in ops where latest[kernelName(type, size, fill, op)] != nil {
                    table.append(["in the kernel", label, op] + fmt(latest[kernelName(type, size, fill, op)]?["latency"]))
                }
            }
            let chart = BarChart(title: "Map operations inside a BPF program (\(size) entries, full unless noted)",
                                 axisTitle: "time per operation, ns", unit: "ns", series: ops, rows: rows, log: true)
            charts.append(.init(id: "kernel", caption: "Median time per operation timed in the kernel with bpf_loop, net of the empty loop body; whiskers: the run's quartiles.", svg: chart.svg()))
        }
        guard !charts.isEmpty else { return nil }
        return ReportSection(id: "maps", title: "Map operations",
                             intro: "What each map type costs per operation: from user space through bpf(2), and inside a BPF program. Shorter is faster; the axis is logarithmic.",
                             charts: charts, table: table)
    }

    /// The value most names share, "1024" when it is among them.
    static func preferred(_ values: [String]) -> String? {
        if values.contains("1024") { return "1024" }
        let counts = Dictionary(values.map { ($0, 1) }, uniquingKeysWith: +)
        return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    }

    // MARK: hooks

    static func hooks(_ latest: Measures) -> ReportSection? {
        let counted = latest.keys.compactMap { name -> (name: String, program: String, hook: String)? in
            guard let m = BenchmarkName(parsing: name).macro, m.program == "count" || m.program == "count-tcp" else { return nil }
            return (name, m.program, m.hook)
        }
        guard !counted.isEmpty else { return nil }
        func order(_ slug: String) -> Int { Hook(slug: slug).flatMap { Hook.allCases.firstIndex(of: $0) } ?? 99 }
        let sorted = counted.sorted { a, b in a.program != b.program ? a.program < b.program : order(a.hook) < order(b.hook) }
        var rows: [BarChart.Row] = []
        var table: [[String]] = [["hook", "run time (bpf_stats)", "quartiles", "overhead per event", "quartiles", "overhead %"]]
        for (name, program, hook) in sorted {
            let label = program == "count-tcp" ? "\(hook) (tcp)" : hook
            let m = latest[name] ?? [:]
            let reason = [m["latency"], m["overhead-ns"]].compactMap { $0 }.first { $0.status != .ok }?.status
            rows.append(BarChart.Row(label: label, bars: [bar(m["latency"]), bar(m["overhead-ns"])],
                                     note: reason.map { "\($0.label): \($0.reason ?? "")" }))
            table.append([label] + fmt(m["latency"]) + fmt(m["overhead-ns"]) + [fmt(m["overhead-percent"])[0]])
        }
        let chart = BarChart(title: "A counting program on each hook: its run time and what it adds to each event",
                             axisTitle: "time per event, ns", unit: "ns",
                             series: ["program run time (bpf_stats run_time_ns / run_cnt)", "added to the workload (attached vs detached)"],
                             rows: rows, log: true)
        return ReportSection(id: "hooks", title: "Hook cost and overhead",
                             intro: "The same minimal program attached to each hook the kernel offers, under traffic bpfgate generates. A hook this kernel lacks is shown with the reason.",
                             charts: [.init(id: "hooks", caption: "Per hook: the program's own run time, and the time the attached program adds to each event of the workload; whiskers: quartiles over windows.", svg: chart.svg())],
                             table: table)
    }

    // MARK: event buffers

    /// An event size in a benchmark name: whole bytes, 1 B to 1 GiB (anything else is not one of bpfgate's).
    static func eventSize(_ segment: Substring) -> Double? {
        guard let n = Int(segment), (1 ... 1 << 30).contains(n) else { return nil }
        return Double(n)
    }

    static func eventBuffers(_ latest: Measures) -> ReportSection? {
        let kinds = [("ringbuf_output", "bpf_ringbuf_output"), ("ringbuf_reserve_submit", "bpf_ringbuf_reserve + submit"),
                     ("perf_event_output", "bpf_perf_event_output")]
        var series: [LineChart.Series] = []
        var table: [[String]] = [["method", "event size", "median", "quartiles"]]
        for (slug, title) in kinds {
            let points = latest.keys.compactMap { name -> LineChart.Point? in
                guard let h = BenchmarkName(parsing: name).kernelHelper, h.helper == slug, let size = eventSize(Substring(h.bytes ?? "")),
                      let m = latest[name]?["latency"], m.status == .ok, let s = Summary(m.samples) else { return nil }
                return LineChart.Point(x: size, y: s.median, lower: s.q1, upper: s.q3,
                                       label: "\(title), \(Int(size)) B: \(TerminalTable.format(s.median)) ns")
            }.sorted { $0.x < $1.x }
            if !points.isEmpty { series.append(.init(name: title, points: points)) }
            for p in points { table.append([title, "\(Int(p.x)) B", "\(TerminalTable.format(p.y)) ns", "\(TerminalTable.format(p.lower!))..\(TerminalTable.format(p.upper!))"]) }
        }
        // The macro suite's attached programs (producer and consumer together), where they ran.
        for (prefix, title) in [("ringbuf", "attached program, ring buffer"), ("perfbuf", "attached program, perf buffer")] {
            let points = latest.keys.compactMap { name -> LineChart.Point? in
                guard let m = BenchmarkName(parsing: name).macro, m.program.hasPrefix(prefix + "-"),
                      let size = eventSize(m.program.dropFirst(prefix.count + 1)),
                      let m = latest[name]?["latency"], m.status == .ok, let s = Summary(m.samples) else { return nil }
                return LineChart.Point(x: size, y: s.median, lower: s.q1, upper: s.q3, label: "\(title), \(Int(size)) B: \(TerminalTable.format(s.median)) ns per run")
            }.sorted { $0.x < $1.x }
            if !points.isEmpty { series.append(.init(name: title, points: points, dashed: true)) }
            for p in points { table.append([title, "\(Int(p.x)) B", "\(TerminalTable.format(p.y)) ns", "\(TerminalTable.format(p.lower!))..\(TerminalTable.format(p.upper!))"]) }
        }
        guard !series.isEmpty else { return nil }
        var chart = LineChart(title: "Submitting an event: ring buffer vs perf buffer", xTitle: "event size, bytes (log scale)",
                              yTitle: "time per event, ns (log scale)", series: series)
        chart.xScale = .log2
        chart.yScale = .log10
        return ReportSection(id: "events", title: "Ring buffer vs perf buffer",
                             intro: "The cost of handing one event to user space, by event size: each helper timed inside the kernel (solid), and attached programs that submit events under traffic (dashed) where the macro suite ran.",
                             charts: [.init(id: "events", caption: "Median time per event; whiskers: the run's quartiles. Lower is cheaper.", svg: chart.svg())],
                             table: table)
    }

    // MARK: comparison

    static func verdictColor(_ v: Verdict) -> String {
        switch v {
        case .regression, .failed: return ChartKit.regression
        case .improvement: return ChartKit.improvement
        case .unchanged, .waived: return ChartKit.palette[0]
        default: return ChartKit.neutral
        }
    }

    static let maxComparisonRows = 40

    static func comparison(_ report: GateReport) -> ReportSection? {
        // References are the machine's speed, never judged: left out of the chart (kept in the table).
        let judged = report.findings.filter { $0.change != nil && !BenchmarkName(parsing: $0.benchmark).isReference }
        guard !judged.isEmpty else { return nil }
        let rank: (Finding) -> Int = { [.regression, .failed, .improvement].firstIndex(of: $0.verdict) ?? 3 }
        let shown = judged.sorted { (rank($0), -abs($0.change!)) < (rank($1), -abs($1.change!)) }.prefix(maxComparisonRows)
            .sorted { (rank($0), $0.benchmark, $0.measure) < (rank($1), $1.benchmark, $1.measure) }
        let rows = shown.map { f in
            IntervalChart.Row(label: f.measure == "latency" ? f.benchmark : "\(f.benchmark) \(f.measure)", estimate: f.change! * 100,
                              lower: f.ratioLower.map { ($0 - 1) * 100 }, upper: f.ratioUpper.map { ($0 - 1) * 100 },
                              color: verdictColor(f.verdict), verdict: "\(String(format: "%+.1f", f.change! * 100)) % \(f.verdict.rawValue)")
        }
        let present = Verdict.allCases.filter { v in shown.contains { $0.verdict == v } }
        let chart = IntervalChart(title: report.mode == .ab ? "A/B: head vs base, change with its confidence interval"
                                                            : "Against the stored baseline: change with its interval",
                                  axisTitle: "change of head vs base, % (positive = larger value)",
                                  rows: Array(rows), legend: present.map { ($0.rawValue, verdictColor($0)) })
        var table: [[String]] = [["verdict", "benchmark", "measure", "base", "head", "change", "interval", "p (adjusted)", "n", "mde", "note"]]
        for f in report.findings {
            table.append([f.verdict.rawValue, f.benchmark, f.measure, f.base.map { "\(TerminalTable.format($0)) \(f.unit)" } ?? "-",
                          f.head.map { "\(TerminalTable.format($0)) \(f.unit)" } ?? "-", f.change.map { String(format: "%+.2f %%", $0 * 100) } ?? "-",
                          f.ratioLower.flatMap { l in f.ratioUpper.map { String(format: "%+.2f..%+.2f %%", (l - 1) * 100, ($0 - 1) * 100) } } ?? "-",
                          f.adjustedP.map { String(format: "%.2g", $0) } ?? "-", observations(f),
                          f.minimumDetectableEffect.map(Comparison.percent) ?? "-", f.note])
        }
        let counts = present.map { v in "\(report.findings.filter { $0.verdict == v }.count) \(v.rawValue)" }.joined(separator: ", ")
        var intro = (report.mode == .ab ? "A/B comparison of two object sets in one process" : "Run \(report.headRun.prefix(8)) against \(report.baseRuns.count) stored run(s)") + ": \(counts)."
        if let share = report.judgedShare, let mde = report.medianMDE() {
            intro += String(format: " %.0f %% of the gated rows judged; median minimum detectable effect %@.", share * 100, Comparison.percent(mde))
        }
        if judged.count > shown.count { intro += " The chart shows \(shown.count) of \(judged.count) comparisons: regressions and improvements first, then the largest changes." }
        return ReportSection(id: "comparison", title: "Comparison", intro: intro,
                             charts: [.init(id: "comparison", caption: "Dot: the change of each benchmark; bar: its confidence interval; colour: the verdict. An interval that excludes 0 and passes the threshold is a verdict.", svg: chart.svg())],
                             table: table)
    }

    // MARK: trends

    static let maxTrendCharts = 12

    static func trends(_ history: [HistorySeries], trend: TrendReport?) -> ReportSection? {
        let usable = history.filter { $0.points.count >= 2 }
        guard !usable.isEmpty else { return nil }
        let steps = trend?.steps ?? []
        func key(_ b: String, _ m: String) -> String { b + "\u{0}" + m }
        let stepped = Set(steps.map { key($0.benchmark, $0.measure) })
        let chosen = (usable.filter { stepped.contains(key($0.benchmark, $0.measure)) }
            + usable.filter { !stepped.contains(key($0.benchmark, $0.measure)) && !$0.isReference }).prefix(maxTrendCharts)
        var charts: [ReportSection.Chart] = []
        for (i, s) in chosen.enumerated() {
            let points = s.points.enumerated().map { k, p in
                LineChart.Point(x: Double(k), y: p.value, lower: p.lower, upper: p.upper,
                                label: "#\(k) \(p.time) \(p.commit.map { String($0.prefix(8)) } ?? ""): \(TerminalTable.format(p.value)) \(s.unit)")
            }
            var chart = LineChart(title: "\(s.benchmark) \(s.measure)", xTitle: "stored run, oldest left (labels: run date, or time of day UTC)",
                                  yTitle: s.normalized ? "ratio to reference (×)" : "median, \(s.unit)", series: [.init(name: s.measure, points: points)])
            chart.spread = .band
            chart.height = 300
            let n = s.points.count
            // Dates, or times of day when the whole history is one day.
            let oneDay = s.points.first?.time.prefix(10) == s.points.last?.time.prefix(10)
            chart.xTicks = Array(Set([0, n / 4, n / 2, 3 * n / 4, n - 1])).sorted().map { k in
                let t = s.points[k].time
                return (Double(k), oneDay ? String(t.dropFirst(11).prefix(5)) : String(t.prefix(10)))
            }
            chart.markers = steps.filter { $0.benchmark == s.benchmark && $0.measure == s.measure }.map { st in
                LineChart.Marker(x: Double(st.index) - 0.5,
                                 label: "\(String(format: "%+.1f", st.change * 100)) % (p \(String(format: "%.0e", st.pValue)))\(st.commit.map { " at " + String($0.prefix(8)) } ?? "")",
                                 color: st.kind == .regression ? ChartKit.regression : ChartKit.improvement)
            }
            let what = s.normalized ? "each stored run's ratio to the reference timed in the same rounds (what the gate judges)" : "each stored run's median with its quartile band"
            charts.append(.init(id: "trend-\(i)", caption: "\(s.benchmark) \(s.measure): \(what); dashed lines mark change points (red worse, green better).", svg: chart.svg()))
        }
        var table: [[String]] = [["benchmark", "measure", "at run", "commit", "before", "after", "change", "p", "step"]]
        for st in steps {
            table.append([st.benchmark, st.measure, "#\(st.index) \(st.time)", st.commit.map { String($0.prefix(12)) } ?? "-",
                          "\(TerminalTable.format(st.meanBefore)) \(st.unit)", "\(TerminalTable.format(st.meanAfter)) \(st.unit)",
                          String(format: "%+.1f %%", st.change * 100), String(format: "%.1e", st.pValue),
                          st.kind.rawValue + (st.reference ? " (reference)" : "")])
        }
        var intro = "\(history.count) series over \(history.map(\.points.count).max() ?? 0) stored runs; \(steps.count) change point(s)"
        if let trend { intro += " (E-divisive means, window \(trend.windowLength), p <= \(trend.maxPValue))" }
        intro += "."
        if usable.count > chosen.count { intro += " Charts: the \(chosen.count) series with change points first, then others; use --benchmark to choose." }
        return ReportSection(id: "trends", title: "Trends", intro: intro, charts: charts, table: table)
    }
}
