import BPFCatalog
import Foundation
import Results
import Statistics

/// One check of the capacity model: a program at a fixed event rate, the CPU its ns per event predicts and the CPU
/// measured (the workload thread's CPU with it attached minus without, at the same rate), in percent of one CPU.
public struct CapacityValidation: Codable, Equatable, Sendable {
    public var program: String
    public var eventsPerSecond: Double
    public var predictedCpuPercent: Double
    public var measuredCpuPercent: Double
    public var runID: String

    public init(program: String, eventsPerSecond: Double, predictedCpuPercent: Double, measuredCpuPercent: Double, runID: String) {
        self.program = program
        self.eventsPerSecond = eventsPerSecond
        self.predictedCpuPercent = predictedCpuPercent
        self.measuredCpuPercent = measuredCpuPercent
        self.runID = runID
    }
}

/// A program's cost per event: its run time (median and quartiles, bpf_stats) and its hook's, where measured.
struct PerEvent {
    var ns: Double
    var q1: Double
    var q3: Double
    var hook: Double?
    var benchmark: String
    var run: String

    init(_ b: BenchmarkResult, _ ns: Double, _ hook: Double?, _ run: String) {
        let s = b.measure(Measure.latency.slug).flatMap { Summary($0.samples) }
        self.ns = ns
        q1 = s?.q1 ?? ns
        q3 = s?.q3 ?? ns
        self.hook = hook
        benchmark = b.name
        self.run = run
    }
}

extension Guide {
    /// The capacity suite's program that returns at once (its benchmark name's program segment).
    static let hookOnlyProgram = "hook-only"

    /// Rates the capacity rows project each program to, events per second.
    static let capacityRates: [Double] = [10_000, 100_000, 1_000_000]

    /// What a program costs at an event rate (its ns per event x the rate, in percent of one CPU), for the programs
    /// of the capacity suite and every other measured program of bpfgate's macro suite or yours; then how well that
    /// predicted the measured CPU at fixed rates (`validation`).
    static func capacity(_ results: [ResultsFile]) -> GuideSection {
        let median = { (b: BenchmarkResult, m: Measure) -> Double? in
            b.measure(m.slug).flatMap { $0.status == .ok ? Descriptive.median($0.samples) : nil }
        }
        // The hook's own cost per event (what the program that returns at once adds, less its bpf_stats run time).
        var dispatchSamples: [String: [Double]] = [:]
        for run in results {
            for b in run.benchmarks {
                guard let c = BenchmarkName(parsing: b.name).capacity, c.program == Self.hookOnlyProgram,
                      let added = median(b, .overheadNanoseconds), let own = median(b, .latency) else { continue }
                dispatchSamples[c.hook, default: []].append(max(0, added - own))
            }
        }
        let dispatch = dispatchSamples.compactMapValues { Descriptive.median($0) }
        var perEvent: [String: PerEvent] = [:]
        var validation: [CapacityValidation] = []
        for run in results {
            for b in run.benchmarks {
                let n = BenchmarkName(parsing: b.name)
                guard let ns = median(b, .latency) else { continue }
                if let c = n.capacity {
                    guard c.program != Self.hookOnlyProgram else { continue }
                    let program = "\(c.program) (\(c.hook))"
                    if perEvent[program]?.benchmark.hasPrefix("capacity/") != true { perEvent[program] = PerEvent(b, ns, dispatch[c.hook], run.run.id) }
                    if let rate = median(b, .throughput), let predicted = median(b, .cpuPercentPredicted), let measured = median(b, .cpuPercentMeasured) {
                        validation.append(CapacityValidation(program: program, eventsPerSecond: rate.rounded(), predictedCpuPercent: predicted,
                                                             measuredCpuPercent: measured, runID: run.run.id))
                    }
                } else if let m = n.macro ?? n.attachedObject, m.program != "count", !n.isReference, perEvent["\(m.program) (\(m.hook))"] == nil {
                    perEvent["\(m.program) (\(m.hook))"] = PerEvent(b, ns, dispatch[m.hook], run.run.id)
                }
            }
        }
        var rows: [GuideRow] = []
        let cost = { (e: PerEvent) in e.ns + (e.hook ?? 0) }
        func perEventText(_ e: PerEvent) -> String {
            e.hook.map { "\(TerminalTable.format(cost(e))) ns per event, the hook's \(TerminalTable.format($0)) ns included" }
                ?? "\(TerminalTable.format(e.ns)) ns per event, its run time only"
        }
        for (program, e) in perEvent.sorted(by: { $0.key < $1.key }) {
            for rate in capacityRates {
                let cpu = cost(e) * rate / 1e7
                rows.append(GuideRow(item: "\(program) at \(TerminalTable.format(rate)) events/s (\(perEventText(e)))", benchmark: e.benchmark, value: cpu,
                                     unit: "% of one CPU", q1: (e.q1 + (e.hook ?? 0)) * rate / 1e7, q3: (e.q3 + (e.hook ?? 0)) * rate / 1e7, runID: e.run))
            }
        }
        var sentences: [String] = []
        if let dearest = perEvent.max(by: { cost($0.value) < cost($1.value) }), let cheapest = perEvent.min(by: { cost($0.value) < cost($1.value) }) {
            sentences.append(String(format: "at 100000 events/s %@ costs %.1f %% of one CPU (%@)", dearest.key, cost(dearest.value) / 100, perEventText(dearest.value))
                + (cheapest.key == dearest.key ? "" : String(format: ", %@ %.1f %%", cheapest.key, cost(cheapest.value) / 100)))
        }
        let errors = validation.compactMap { v in v.measuredCpuPercent > 0 ? abs(v.predictedCpuPercent / v.measuredCpuPercent - 1) : nil }
        if let median = Descriptive.median(errors) {
            let under = validation.filter { $0.predictedCpuPercent < $0.measuredCpuPercent }.count
            sentences.append(String(format: "that prediction came within %.0f %% of the CPU measured at fixed rates (the workload's CPU with the "
                                    + "program minus without; median over %d program x rate rows, %d of them under)", median * 100, errors.count, under))
        }
        let answer = sentences.isEmpty ? "No program's cost per event was measured here (`bpfgate run --suite capacity`)."
            : sentences.joined(separator: "; ").prefix(1).uppercased() + sentences.joined(separator: "; ").dropFirst() + "."
        var section = GuideSection(id: "capacity", title: "How many events per second a program can afford", answer: answer, rows: rows, missing: [])
        section.validation = validation.sorted { ($0.program, $0.eventsPerSecond) < ($1.program, $1.eventsPerSecond) }
        return section
    }

    /// What bpf_stats adds to each run while it is on, measured by the capacity suite (kernel CPU with it on minus off).
    static func statsCost(_ results: [ResultsFile]) -> GuideRow? {
        var samples: [Double] = []
        var run = ""
        for r in results {
            for b in r.benchmarks where BenchmarkName(parsing: b.name).capacity != nil {
                guard let m = b.measure(Measure.statsOverheadNanoseconds.slug), m.status == .ok else { continue }
                samples += m.samples
                run = r.run.id
            }
        }
        guard let s = Summary(samples) else { return nil }
        return GuideRow(item: "bpf_stats itself, per run while on", benchmark: "capacity/*", value: s.median, unit: "ns", q1: s.q1, q3: s.q3,
                        runID: run, published: Published.statsOverhead, outsidePublished: !Published.statsOverhead.contains(s.median))
    }
}
