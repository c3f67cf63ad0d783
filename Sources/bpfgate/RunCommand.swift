import ArgumentParser
import Configuration
import Foundation
import Gate
import Harness
import Reports
import Results
import Suites

/// Where the configuration comes from (shared by every command that reads it).
struct ConfigOptions: ParsableArguments {
    @Option(help: "The configuration file (default: ./bpfgate.json when it exists, else the built-in defaults).")
    var config: String?

}

/// Options that choose and shape benchmarks (shared by `run`, `list`, `check` and `baseline`). Explicit flags
/// win over the profile, the profile over the built-in defaults.
struct SelectionOptions: ParsableArguments {
    @Option(help: "A profile of the configuration: gate (what check runs), quick, study, or one of your own.")
    var profile: String?

    @Option(name: .customLong("suite"), parsing: .upToNextOption,
            help: "Suites to run (default: the profile's, else all but capacity). Known: \(Catalog.suiteNames.joined(separator: ", ")).")
    var suites: [String] = []

    @Option(help: "Only benchmarks whose name matches this regular expression.")
    var filter: String?

    @Option(help: "Timed samples per benchmark (>= 2; default \(UserMapConfig().samples)).")
    var samples: Int?

    @Option(help: "Untimed warm-up rounds per benchmark (default \(UserMapConfig().warmup)).")
    var warmup: Int?

    @Option(help: "Operations per sample, equal for every map type and size (default \(UserMapConfig().batch)).")
    var batch: Int?

    @Option(help: "Map sizes in entries, comma-separated (default \(UserMapConfig().sizes.map(String.init).joined(separator: ","))).")
    var sizes: String?

    @Option(help: "Read the object-dependent suites' BPF objects (<name>.bpf.o) from this directory, not the built-in ones.")
    var objects: String?

    @Option(help: "Background load during the run with stress-ng: cpu:P (every CPU P % busy) or vm:P (P % of the available memory); repeatable.")
    var load: [String] = []

    @Option(name: .customLong("object"),
            help: "A BPF object file of your own: its programs run where bpfgate can derive hook and traffic from the section (alone: suite objects); repeatable.")
    var objectFiles: [String] = []

    @Flag(help: "Your objects: measure each tracing program with the other programs of its object on the same hook family attached, as the tool runs them (runqlat's wakeups fill the map its switch reads); each is still timed by its own bpf_stats. Default: each alone.")
    var together = false

    @Option(name: .customLong("pcap"),
            help: "A capture of Ethernet frames (classic pcap): with the standard frames, an input of your packet programs' test runs (its first 64 frames); repeatable.")
    var pcaps: [String] = []

    func validate() throws {
        for s in suites where !Catalog.suiteNames.contains(s) {
            throw ValidationError("unknown suite '\(s)'; known: \(Catalog.suiteNames.joined(separator: ", "))")
        }
        if let filter, (try? Regex(filter)) == nil { throw ValidationError("--filter '\(filter)' is not a valid regular expression") }
        if let sizes, Self.parse(sizes: sizes) == nil {
            throw ValidationError("--sizes must be comma-separated entry counts between 2 and 16777216, e.g. 1024,65536")
        }
        for file in objectFiles where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("--object '\(file)' is not a readable file")
        }
        for file in pcaps where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("--pcap '\(file)' is not a readable file")
        }
        if let objects {
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: objects, isDirectory: &isDir) || !isDir.boolValue {
                throw ValidationError("--objects '\(objects)' is not a directory")
            }
        }
    }

    static func parse(sizes: String) -> [Int]? {
        let parts = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 2 && ($0 ?? 0) <= 16_777_216 }) else { return nil }
        return parts.map { $0! }
    }

}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run benchmarks; BMF on stdout (or --output), the table and progress on stderr.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var selection: SelectionOptions

    @Option(help: "Write the BMF JSON to this file instead of stdout.")
    var output: String?

    @Option(help: "Also write the full results file (raw samples, testbed, run metadata) here.")
    var results: String?

    @Option(help: "Name of this testbed (default: automatic, from kernel, CPU and toolchain).")
    var testbed: String?

    @Flag(help: "Do not print the table and progress on stderr.")
    var quiet = false

    @Option(help: ArgumentHelp("Run this plan (written by a parent bpfgate for its child runs) instead of the selection options.",
                               visibility: .hidden))
    var plan: String?

    func validate() throws {
        try requireOutputs([output, results])
        try requireTestbedName(testbed)
        if plan != nil && (selection.flags != RunFlags() || testbed != nil || configOptions.config != nil) {
            throw ValidationError("--plan is the whole selection: give no selection options, --testbed or --config with it")
        }
    }

    func run() throws {
        global.apply()
        let request = try plan.map { try RunRequest(plan: RunPlan.read(path: $0)) }
            ?? selection.request(config: try configOptions.load(), testbed: testbed)
        let plan = try Catalog.plan(request)
        if plan.isEmpty {
            throw ValidationError("no benchmark matches --filter '\(selection.filter ?? "")' (see `bpfgate list`)")
        }
        if request.kernel.samples < KernelConfig.fewSamples, plan.contains(where: { $0.suite == KernelSuite.name }) {
            note("bpfgate: warning: \(request.kernel.samples) samples per in-kernel benchmark (fewer than \(KernelConfig.fewSamples)): "
                 + "its medians are rough and the gate cannot bound them well")
        }
        let run = try Catalog.run(request) { if !quiet { note($0) } }
        try Lifecycle.write(run: run, output: output, results: results)
        if !quiet { note(TerminalTable.render(run)) }

        let failed = run.benchmarks.flatMap { b in b.measures.compactMap { m -> String? in
            if case let .failed(why) = m.status { return "\(b.name): \(why)" } else { return nil } } }
        if !failed.isEmpty {
            note("bpfgate: error: \(failed.count) benchmark(s) failed; first: \(failed[0])")
            throw Lifecycle.Exit(status: .benchmarkFailed)
        }
    }
}
