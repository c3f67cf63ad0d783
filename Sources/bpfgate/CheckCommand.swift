import ArgumentParser
import Configuration
import Foundation
import Gate
import Harness
import Results
import Suites

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the gate profile and judge it: against this testbed's baseline, or A/B against other BPF objects.",
        discussion: """
        Stored mode (default): runs the gate profile (--quick: the quick one) once and compares it with \
        baselines/<testbed>; exit 2 on a regression (a timing's must show again when its benchmark is measured a \
        second time), 3 when a benchmark failed. With no baseline it records the \
        fewest runs that judge (3, each in its own process; a 4th while the timings' median minimum detectable \
        effect is above gate.minEffect), says what they can detect and passes, unless --require-baseline (exit 4). \
        --grow-baseline adds each run that did not regress to the baseline.
        A/B mode (--base-objects DIR or --ab REF, with --head-objects DIR or --ab-head REF): runs the \
        object-dependent benchmarks with both sets of objects interleaved in one process and compares the pairs; \
        no baseline is needed.
        Reports: the table on stdout, and --markdown, --junit, --verdict, --html files; --warn-only passes anyway.
        """)

    // Help shows the groups in this order: what check does and its modes first, upload last.
    @OptionGroup(title: "Check") var options: CheckOptions
    @OptionGroup(title: "A/B: your project's build") var building: BuildOptions
    @OptionGroup(title: "Reports") var reports: ReportOptions
    @OptionGroup(title: "Baselines and configuration") var store: StoreOptions
    @OptionGroup(title: "Baselines and configuration") var configOptions: ConfigOptions
    @OptionGroup(title: "What runs") var selection: SelectionOptions
    @OptionGroup(title: "Process") var global: GlobalOptions
    @OptionGroup(title: "Upload") var uploadOptions: UploadOptions

    var quick: Bool { options.quick }
    var requireBaseline: Bool { options.requireBaseline }
    var testbed: String? { options.testbed }
    var baseObjects: String? { options.baseObjects }
    var headObjects: String? { options.headObjects }
    var ab: String? { options.ab }
    var abHead: String? { options.abHead }
    var results: String? { options.results }
    var upload: UploadTarget? { options.upload }
    var injectHeadWork: UInt32 { options.injectHeadWork }

    func validate() throws {
        if baseObjects != nil && ab != nil { throw ValidationError("give --base-objects or --ab, not both") }
        if headObjects != nil && abHead != nil { throw ValidationError("give --head-objects or --ab-head, not both") }
        if (headObjects != nil || abHead != nil) && baseObjects == nil && ab == nil {
            throw ValidationError("--head-objects and --ab-head need --base-objects or --ab")
        }
        if quick && selection.profile != nil { throw ValidationError("give --quick or --profile, not both") }
        if building.build != nil && ab == nil && abHead == nil { throw ValidationError("--build is for --ab and --ab-head") }
        try requireOutputs([results, reports.markdown, reports.junit, reports.verdict, reports.html])
        try requireTestbedName(testbed)
        if injectHeadWork > 64 { throw ValidationError("--inject-head-work must be 0...64") }
        if options.growBaseline && (baseObjects != nil || ab != nil) {
            throw ValidationError("--grow-baseline stores a stored-mode run; A/B judges two object sets in one run")
        }
        if upload != nil && (baseObjects != nil || ab != nil) {
            throw ValidationError("--upload sends a run's trend point; A/B compares two object sets in one run: upload a `bpfgate run --results` file instead")
        }
    }

    var profileName: String { selection.profile ?? (quick ? "quick" : "gate") }

    func run() throws {
        global.apply()
        let config = try configOptions.load()
        if baseObjects != nil || ab != nil { try runAB(config: config) }
        let request = try selection.request(config: config, defaultProfile: profileName, testbed: testbed)
        // The plan once, before the run: what the head was asked for (a baseline benchmark it lacks is `gone`
        // only if planned).
        let planned = Set(try Catalog.plan(request).map(\.name))
        let current = Environment.testbed(name: testbed)
        let baseline = try store.store.baseline(testbed: current.name)
        let head = try Catalog.run(request, expected: RunClock.expected(for: request.plan, history: baseline.map(\.results))) { note($0) }
        if let results { try Lifecycle.write([(results, try ResultsCodec.encode(head))]) }
        // Trend data goes up whatever the verdict; a failed upload is kept in the outbox and exits 6 unless a
        // regression (2) outranks it.
        var uploadStatus = ExitStatus.ok
        if let upload {
            uploadStatus = try uploadOptions.send(try uploadOptions.upload(head, to: upload, testbed: nil, config: config),
                                                  with: try uploadOptions.uploader())
        }

        if baseline.isEmpty {
            if requireBaseline {
                throw BaselineError.missing("no baseline for testbed '\(head.testbed.name)' in \(store.baselines)/ (--require-baseline); record one with `bpfgate baseline save` and commit it")
            }
            try BaselineGrowth(store: store.store, config: config, testbed: current)
                .record(head: head, plan: request.plan, planned: planned) { note($0) }
            throw Lifecycle.Exit(status: uploadStatus)
        }
        if head.benchmarks.contains(where: { b in b.measures.contains { if case .failed = $0.status { return true } else { return false } } }) {
            note("bpfgate: some benchmarks failed; see the report")
        }
        // A timing's regression must show in a second run of it too (`Confirmation`).
        let report = try Confirmation.confirm(
            Comparison.stored(baseline: baseline.map(\.results), head: head, config: config, today: todayUTC(), planned: planned),
            head: head, plan: request.plan, baseline: baseline.map(\.results), config: config) { note($0) }
        if options.growBaseline {
            try BaselineGrowth(store: store.store, config: config, testbed: current).grow(with: head, judged: report, baselineRuns: baseline.count) { note($0) }
        }
        try reports.deliver(report, also: uploadStatus)
    }

    /// Same-run A/B of the object-dependent benchmarks (`Catalog.runAB`): the head side is the run (`--results`).
    func runAB(config: GateConfig) throws -> Never {
        var request = try selection.request(config: config, defaultProfile: profileName, testbed: testbed)
        // The project's own build (flags, else bpfgate.json's `build`); with one, `--ab` alone builds the working tree
        // as the head too, so that both sides come from the same build and a stale build folder cannot be judged.
        let recipe = building.recipe(config: config)
        let base = try ab.map { try ObjectBuilder.build(revision: $0, recipe: recipe) { note("--ab: \($0)") } } ?? baseObjects
        let headRevision = abHead ?? (recipe != nil && ab != nil && headObjects == nil ? "." : nil)
        let head = try headRevision.map { try ObjectBuilder.build(revision: $0, recipe: recipe) { note("--ab: \($0)") } } ?? headObjects
        if let head, recipe != nil, headRevision != nil { request = request.objects(builtIn: head, keepExisting: true) }
        let (baseSet, headSet) = (ObjectSet(directory: base), ObjectSet(directory: head))
        let demoPairsFactor = selection.samples == nil ? config.profiles[profileName]?.abDemoPairsFactor ?? 3 : 1
        let outcome = try Catalog.runAB(request, base: baseSet, head: headSet, headExtraWork: injectHeadWork, demoPairsFactor: demoPairsFactor,
                                        progress: { note($0) })
        if let results { try Lifecycle.write([(results, try ResultsCodec.encode(outcome.head))]) }
        let pairs = outcome.pairs.map { PairedSamples(benchmark: $0.benchmark, base: $0.base, head: $0.head, attached: $0.attached) }
        let first = Comparison.ab(pairs, testbed: outcome.head.testbed.name, headRun: outcome.head.run.id, config: config)
        // A timing's regression must show in a second A/B of it too (`Confirmation`).
        try reports.deliver(Confirmation.confirmAB(first, request: request, base: baseSet, head: headSet, headExtraWork: injectHeadWork,
                                                   demoPairsFactor: demoPairsFactor, config: config) { note($0) })
    }
}

/// What `check` does: the mode (stored baseline or A/B), the testbed, and where the head run goes.
struct CheckOptions: ParsableArguments {
    @Flag(help: "Use the quick profile (a fast local check before a commit).")
    var quick = false

    @Flag(help: "Exit 4 when this testbed has no baseline instead of recording one.")
    var requireBaseline = false

    @Flag(help: "Store this run in the baseline when it did not regress (main-branch CI, ci/trend.sh), so the baseline grows with use; a run with failed benchmarks is stored with their statuses. `bpfgate trend` over the stored runs guards against steps too small to fail one check.")
    var growBaseline = false

    @Option(help: "A/B: the base BPF objects (<name>.bpf.o) in this directory.")
    var baseObjects: String?

    @Option(help: "A/B: the head BPF objects in this directory (default: the built-in ones).")
    var headObjects: String?

    @Option(help: "A/B: build the base objects from this git revision's bpf/ (needs clang at run time).")
    var ab: String?

    @Option(help: "A/B: build the head objects from this revision's bpf/ ('.' for the working tree) instead of using the built-in ones.")
    var abHead: String?

    @Option(help: "Name of this testbed (default: automatic).")
    var testbed: String?

    @Option(help: "Also write the head run's results file here (A/B: the head side's samples).")
    var results: String?

    @Option(help: "Upload the head run to bencher or influxdb (stored-baseline mode; see `bpfgate upload --help`).")
    var upload: UploadTarget?

    @Option(help: ArgumentHelp("A/B calibration: add this many steps of known extra work (0-64, about half a nanosecond each; 6 adds ~3 % here) per packet to the head demo program.",
                               visibility: .hidden))
    var injectHeadWork: UInt32 = 0
}
