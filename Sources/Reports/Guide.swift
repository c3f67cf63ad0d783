import BPFCatalog
import Foundation
import Results
import Statistics

/// One measured row of the guide: what, its median with the quartiles of its samples, the run it comes from, and the
/// published estimate beside it (marked when the measurement falls outside).
public struct GuideRow: Codable, Equatable, Sendable {
    public var item: String
    public var benchmark: String
    public var value: Double
    public var unit: String
    public var q1: Double
    public var q3: Double
    public var runID: String
    public var published: PublishedRange?
    public var outsidePublished: Bool?
    /// `load`: the background load of the row's run (`cpu:80`, `vm:75`; nil idle) and its median over the idle one's.
    public var load: String?
    public var ratioToIdle: Double?
    /// `memory`: what the map type accounts for (memlock, fdinfo) beside `value`, the kernel memory charged for the
    /// map, and how far the first is from the second (memlock / charged - 1, in percent).
    public var memlockBytes: Double?
    public var memlockErrorPercent: Double?
}

/// One question and its answer: a sentence derived from the rows, the rows, and what this machine lacks.
public struct GuideSection: Codable, Equatable, Sendable {
    public var id: String
    public var title: String
    public var answer: String
    public var rows: [GuideRow]
    /// Benchmarks the results hold without a number here, with the reason (a hook this kernel lacks says so).
    public var missing: [String]
    /// `capacity`: the model's checks at fixed rates.
    public var validation: [CapacityValidation]?
}

/// `bpfgate guide`'s document: the sections each with its `id`.
public struct GuideDocument: Codable, Equatable, Sendable {
    public var generatedAt: String
    public var sources: [String]
    public var sections: [GuideSection]
}

/// Builds the guide from results files: the latest ok latency of each benchmark across them.
public enum Guide {
    public static func build(_ results: [ResultsFile], sources: [String], generatedAt: String) -> GuideDocument {
        // Runs under a background load answer `load` only; the other sections take the idle runs (all, when none is).
        let idle = results.filter { $0.run.load.isEmpty }
        let runs = idle.isEmpty ? results : idle
        let measured = Latest(runs)
        let names = measured.names
        return GuideDocument(generatedAt: generatedAt, sources: sources, sections: [
            maps(names, measured.row), load(results), hooks(names, measured.missing, measured.row, stats: statsCost(runs)),
            helpers(names, measured.row), submission(names, measured.row, measured), memory(runs), capacity(runs),
        ])
    }

    /// The latest ok latency of each benchmark across some runs, and why the others have none.
    struct Latest {
        var latest: [String: (BenchmarkResult, MeasureResult, String)] = [:]
        var missing: [String: String] = [:]

        init(_ runs: [ResultsFile]) {
            for run in runs {
                for b in run.benchmarks {
                    guard let m = b.measure(Measure.latency.slug) else { continue }
                    if m.status == .ok, !m.samples.isEmpty { latest[b.name] = (b, m, run.run.id); missing[b.name] = nil }
                    else if latest[b.name] == nil { missing[b.name] = "\(m.status.label): \(m.status.reason ?? "")" }
                }
            }
        }

        var names: [String] { latest.keys.sorted() }

        func row(_ name: String, item: String, published: PublishedRange?) -> GuideRow? {
            guard let (b, m, run) = latest[name], let s = Summary(m.samples) else { return nil }
            return GuideRow(item: item, benchmark: b.name, value: s.median, unit: m.unit, q1: s.q1, q3: s.q3, runID: run,
                            published: published, outsidePublished: published.map { !$0.contains(s.median) })
        }
    }

    typealias RowMaker = (String, String, PublishedRange?) -> GuideRow?

    /// In-kernel map operations (user-space ones where the kernel's are missing), answered by the lookups.
    static func maps(_ names: [String], _ row: RowMaker) -> GuideSection {
        let rows = names.compactMap { name in
            mapOperation(name).flatMap { row(name, $0.item, $0.published) }
        }
        let lookups = rows.filter { $0.benchmark.hasPrefix("kernel/map/") && $0.benchmark.hasSuffix("/lookup") }
        let pool = lookups.count >= 2 ? lookups : rows.filter { $0.benchmark.hasSuffix("/lookup") }
        let answer = compare(pool, what: "lookups", subject: { mapType($0.benchmark) })
            ?? "No two map types' lookups were measured here."
        return GuideSection(id: "maps", title: "Which map type for which access", answer: answer, rows: rows, missing: [])
    }

    /// A map operation's row label and published estimate (in-kernel, or from user space), or nil for another name.
    static func mapOperation(_ name: String) -> (item: String, published: PublishedRange?)? {
        let n = BenchmarkName(parsing: name)
        if let k = n.kernelMap {
            let published = k.operation == "lookup" ? Published.lookups[k.type] : k.operation == "update" ? Published.update : nil
            return ("\(k.type) \(k.operation) in kernel (\(k.size) entries, \(k.fill))", published)
        }
        if let u = n.userMap, !BenchmarkName.isReferenceLeaf(u.leaf), !["empty", "full"].contains(u.leaf) {
            return ("\(u.type) \(u.leaf) from user space (\(u.size) entries)", nil)
        }
        return nil
    }

    /// Each hook's counting program, per event.
    /// `stats`: what bpf_stats itself adds per run (a row of its own, not one of the hooks compared).
    static func hooks(_ names: [String], _ missing: [String: String], _ row: RowMaker, stats: GuideRow? = nil) -> GuideSection {
        var rows: [GuideRow] = []
        for name in names {
            guard let m = BenchmarkName(parsing: name).macro, m.program == "count", let hook = Hook(slug: m.hook) else { continue }
            rows += [row(name, "\(hook.rawValue) (counting program)", Published.hooks[hook])].compactMap { $0 }
        }
        let lacking = missing.keys.sorted().compactMap { name -> String? in
            guard let m = BenchmarkName(parsing: name).macro, m.program == "count", let hook = Hook(slug: m.hook) else { return nil }
            return "\(hook.rawValue): \(missing[name] ?? "")"
        }
        var answer = compare(rows, what: "events", subject: { $0.item.components(separatedBy: " ").first ?? $0.item })
            ?? "No two hooks were measured here."
        if let stats {
            answer += " bpf_stats itself adds \(value(stats.value, "ns")) per run while it is on."
            rows.append(stats)
        }
        return GuideSection(id: "hooks", title: "What each hook costs per event", answer: answer, rows: rows, missing: lacking)
    }

    /// Helpers timed in the kernel, per call (sized helpers are the submission section's).
    static func helpers(_ names: [String], _ row: RowMaker) -> GuideSection {
        var rows: [GuideRow] = []
        for name in names {
            guard let h = BenchmarkName(parsing: name).kernelHelper, h.bytes == nil else { continue }
            rows += [row(name, h.helper, Published.helpers[h.helper])].compactMap { $0 }
        }
        let answer = compare(rows, what: "calls", subject: { "bpf_\($0.item)" }) ?? "No two helpers were measured here."
        return GuideSection(id: "helpers", title: "What each helper costs per call", answer: answer, rows: rows, missing: [])
    }

    /// Ring buffer output, reserve/submit and perf buffer output by record size, in kernel.
    /// Ring buffer output, reserve/submit and perf buffer output by record size, in kernel; then end to end (the macro
    /// suite's programs with bpfgate's consumer): cost per event, what the consumer received per second, drops.
    static func submission(_ names: [String], _ row: RowMaker, _ measured: Latest) -> GuideSection {
        var rows: [GuideRow] = []
        var consumed: [String: (kind: String, bytes: Int, perSecond: Double)] = [:]
        for name in names {
            if let h = BenchmarkName(parsing: name).kernelHelper, let bytes = h.bytes.flatMap(Int.init) {
                let published = h.helper == "perf_event_output" ? Published.perfBufferOutput[bytes]
                    : h.helper == "ringbuf_output" ? Published.ringBufferOutput[bytes] : nil
                rows += [row(name, "\(h.helper) \(bytes) B", published)].compactMap { $0 }
            } else if let m = BenchmarkName(parsing: name).macro, let dash = m.program.lastIndex(of: "-"),
                      ["ringbuf", "perfbuf"].contains(String(m.program[..<dash])), let bytes = Int(m.program[m.program.index(after: dash)...]),
                      let b = measured.latest[name]?.0 {
                let kind = m.program.hasPrefix("ringbuf") ? "ring buffer" : "perf buffer"
                let perSecond = b.measure(Measure.consumedPerSecond.slug).flatMap { $0.status == .ok ? Descriptive.median($0.samples) : nil }
                let drops = b.measure(Measure.dropPercent.slug).flatMap { $0.status == .ok ? Descriptive.median($0.samples) : nil }
                let received = [perSecond.map { "\(TerminalTable.format($0)) events/s received" }, drops.map { String(format: "%.1f %% dropped", $0) }]
                    .compactMap { $0 }.joined(separator: ", ")
                rows += [row(name, "\(kind) \(bytes) B end to end, per getppid()" + (received.isEmpty ? "" : " (\(received))"), nil)].compactMap { $0 }
                if let perSecond { consumed[name] = (kind, bytes, perSecond) }
            }
        }
        let sizes = Set(rows.compactMap { BenchmarkName(parsing: $0.benchmark).kernelHelper?.bytes.flatMap { Int($0) } })
        var answer = "No ring buffer and perf buffer output of one record size were both measured here."
        for size in sizes.sorted() {
            let pair = rows.filter { $0.item == "ringbuf_output \(size) B" || $0.item == "perf_event_output \(size) B" }
            if pair.count == 2, let sentence = compare(pair, what: "\(size) B records", subject: { $0.item.hasPrefix("ringbuf") ? "ring buffer output" : "perf buffer output" }) {
                answer = sentence
                break
            }
        }
        // End to end: the consumers' rates at the smallest size both buffers were measured at.
        for size in Set(consumed.values.map(\.bytes)).sorted() {
            guard let ring = consumed.values.first(where: { $0.bytes == size && $0.kind == "ring buffer" }),
                  let perf = consumed.values.first(where: { $0.bytes == size && $0.kind == "perf buffer" }) else { continue }
            answer += String(format: " End to end at %d B, bpfgate's consumer received %@ events/s from the ring buffer and %@ from the perf buffer.",
                             size, TerminalTable.format(ring.perSecond), TerminalTable.format(perf.perSecond))
            break
        }
        return GuideSection(id: "submission", title: "Ring buffer or perf buffer", answer: answer, rows: rows, missing: [])
    }

    /// "X <what> cost N.Nx less than Y <what> here (a ns against b ns)": the cheapest against the dearest.
    static func compare(_ rows: [GuideRow], what: String, subject: (GuideRow) -> String) -> String? {
        let positive = rows.filter { $0.value > 0 }
        guard positive.count >= 2, let low = positive.min(by: { $0.value < $1.value }), let high = positive.max(by: { $0.value < $1.value }),
              low.benchmark != high.benchmark else { return nil }
        let text = String(format: "%@ %@ cost %.1fx less than %@ %@ here (%@ against %@, medians).", subject(low), what, high.value / low.value,
                          subject(high), what, value(low.value, low.unit), value(high.value, high.unit))
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// The map type of a map benchmark's name.
    static func mapType(_ name: String) -> String {
        let n = BenchmarkName(parsing: name)
        return n.kernelMap?.type ?? n.userMap?.type ?? name
    }
}

extension GuideDocument {
    /// One page of Markdown: per section its answer, then a table of the rows (median, quartiles, run, published).
    public func markdown() -> String {
        var out = "# bpfgate guide\n\nFrom \(sources.joined(separator: ", ")), \(generatedAt). Medians with the quartiles of their samples; "
            + "published estimates beside them, marked `outside` when the measurement falls outside their range.\n"
        for s in sections {
            out += "\n## \(s.title)\n\n\(s.answer)\n\n"
            if s.rows.contains(where: { $0.load != nil }) {
                out += s.loadTable()
            } else if s.rows.contains(where: { $0.memlockBytes != nil }) {
                out += "| | charged | quartiles | memlock | memlock error | run | published |\n|---|---:|---:|---:|---:|---|---|\n"
                for r in s.rows {
                    let published = r.published.map { $0.text + (r.outsidePublished == true ? " (outside)" : "") } ?? "-"
                    let error = r.memlockErrorPercent.map { String(format: "%+.1f %%", $0) } ?? "-"
                    let charged = r.memlockErrorPercent == nil ? "- | -" : "\(value(r.value, "B")) | \(TerminalTable.format(r.q1))..\(TerminalTable.format(r.q3))"
                    out += "| \(r.item) | \(charged) | "
                        + "\(r.memlockBytes.map { value($0, "B") } ?? "-") | \(error) | \(r.runID.prefix(8)) | \(published) |\n"
                }
            } else if !s.rows.isEmpty {
                out += "| | median | quartiles | run | published |\n|---|---:|---:|---|---|\n"
                for r in s.rows {
                    let published = r.published.map { $0.text + (r.outsidePublished == true ? " (outside)" : "") } ?? "-"
                    out += "| \(r.item) | \(value(r.value, r.unit)) | \(TerminalTable.format(r.q1))..\(TerminalTable.format(r.q3)) | "
                        + "\(r.runID.prefix(8)) | \(published) |\n"
                }
            }
            if let checks = s.validation, !checks.isEmpty {
                out += "\nThe model against the CPU measured at fixed rates (the workload's CPU with the program minus without; percent of one CPU):\n\n"
                    + "| program | events/s | predicted | measured | error | run |\n|---|---:|---:|---:|---:|---|\n"
                for v in checks {
                    let error = v.measuredCpuPercent > 0 ? String(format: "%+.0f %%", (v.predictedCpuPercent / v.measuredCpuPercent - 1) * 100) : "-"
                    out += "| \(v.program) | \(TerminalTable.format(v.eventsPerSecond)) | \(String(format: "%.2f", v.predictedCpuPercent)) | "
                        + "\(String(format: "%.2f", v.measuredCpuPercent)) | \(error) | \(v.runID.prefix(8)) |\n"
                }
            }
            for m in s.missing { out += "- not on this machine: \(m)\n" }
        }
        return out
    }
}

extension GuideSection {
    /// The load section side by side: one line per operation, one column per load (median, and its ratio to idle).
    func loadTable() -> String {
        let loads = ["idle"] + Set(rows.compactMap(\.load)).subtracting(["idle"]).sorted()
        var out = "| | " + loads.joined(separator: " | ") + " |\n|---|" + String(repeating: "---:|", count: loads.count) + "\n"
        var seen = Set<String>()
        for r in rows where seen.insert(r.benchmark).inserted {
            let cells = loads.map { load -> String in
                guard let x = rows.first(where: { $0.benchmark == r.benchmark && $0.load == load }) else { return "-" }
                return value(x.value, x.unit) + (load == "idle" ? "" : String(format: " (%.2fx)", x.ratioToIdle ?? 0))
            }
            out += "| \(r.item) | " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }
}
