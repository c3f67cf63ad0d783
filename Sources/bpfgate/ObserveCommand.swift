import ArgumentParser
import Foundation
import Reports
import Results
import Statistics
import Suites

/// `bpfgate observe`: the numbers of BPF programs other tools loaded, with bpf_stats on only while observing.
struct ObserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observe",
        abstract: "Time BPF programs loaded by other tools (Cilium, Falco, an agent): ns per run, runs/s, CPU.",
        discussion: """
            Turns bpf_stats on for the observation only (bpf_enable_stats; the sysctl where that is missing, restored): \
            while it is on, every program on the host pays for it (about 20 ns per run as published, ~70 ns measured \
            here by `bpfgate guide`). Programs are named observe/<owning process>/<name>/<tag>: ids change on reload, \
            names are cut to 15 characters. Writes BMF (stdout or --output) and a results file (--results) like `run`, \
            so compare, upload and, after `baseline save --results`, trend work on production nodes. A program reached \
            only by tail calls, or an freplace program, gets no stats of its own: its row says so.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Seconds per window (default 5).")
    var duration: Double = 5

    @Option(help: "Windows (samples) per program (default 1).")
    var windows: Int = 1

    @Option(help: "Only programs whose kernel name matches this regular expression.")
    var name: String?

    @Option(name: .customLong("id"), help: "Only this program id (repeatable).")
    var ids: [UInt32] = []

    @Option(help: "Only programs of this type (libbpf's name: xdp, tracepoint, sched_cls, ...).")
    var type: String?

    @Option(help: "Only programs held by a process whose name (comm) matches this regular expression.")
    var process: String?

    @Option(help: "Write the BMF JSON here instead of stdout.")
    var output: String?

    @Option(help: "Also write the results file here.")
    var results: String?

    @Option(help: "Name of this testbed (default: automatic).")
    var testbed: String?

    @Flag(help: "Do not print the table and progress on stderr.")
    var quiet = false

    func validate() throws {
        if !(duration > 0 && duration <= 3600) { throw ValidationError("--duration must be seconds in (0, 3600]") }
        if !(1 ... 1000).contains(windows) { throw ValidationError("--windows must be 1...1000") }
        for (flag, value) in [("--name", name), ("--process", process)] {
            if let value, (try? Regex(value)) == nil { throw ValidationError("\(flag) '\(value)' is not a valid regular expression") }
        }
        try requireOutputs([output, results])
        try requireTestbedName(testbed)
    }

    func run() throws {
        global.apply()
        var filter = Observer.Filter()
        filter.name = try name.map { try Regex($0) }
        filter.owner = try process.map { try Regex($0) }
        filter.ids = Set(ids)
        filter.type = type
        let observer = Observer(filter: filter, seconds: duration, windows: windows)
        let programs = try observer.programs()
        if programs.isEmpty { throw NothingToObserve() }
        if !quiet {
            note("observe: bpf_stats on for \(String(format: "%g", duration * Double(windows))) s: every BPF program on this host pays ~20-70 ns per run meanwhile")
        }
        let started = Date()
        let benchmarks = try observer.observe(programs) { if !quiet { note("observe: \($0)") } }
        let file = ResultsFile(testbed: Environment.testbed(name: testbed), run: RunMetadata(
            id: UUID().uuidString.lowercased(), toolVersion: Environment.toolVersion, startedAt: Timestamp.iso(started),
            finishedAt: Timestamp.iso(Date()), durationSeconds: (Date().timeIntervalSince(started) * 1000).rounded() / 1000, git: nil,
            bpfObjects: [], load: [], suites: [Observer.suite],
            settings: ["observe.duration": String(duration), "observe.windows": String(windows)]), benchmarks: benchmarks)
        if !quiet {
            for b in benchmarks {
                let m = Dictionary(uniqueKeysWithValues: b.measures.map { ($0.measure, $0) })
                func median(_ slug: String) -> String {
                    m[slug].flatMap { $0.status == .ok ? Descriptive.median($0.samples) : nil }.map { TerminalTable.format($0) } ?? "-"
                }
                note("\(b.name)  \(median("latency")) ns/run  \(median("runs-per-second")) runs/s  \(median("cpu-percent")) % CPU  (\(b.notes.joined(separator: "; ")))")
            }
        }
        try Lifecycle.write(run: file, output: output, results: results)
    }
}

/// No loaded program matches the filters (exit 65: bad input, one line).
struct NothingToObserve: Error, CustomStringConvertible, ExitStatusProviding {
    var description: String { "observe: no loaded BPF program (of another tool) matches the filters; see `bpftool prog list`" }
    var exitStatus: ExitStatus { .badInput }
}
