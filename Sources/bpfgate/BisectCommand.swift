import ArgumentParser
import Configuration
import Foundation
import Gate
import Reports
import Results
import Suites

/// `bpfgate bisect`: the first commit between a good and a bad revision that made a program slower.
struct BisectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bisect",
        abstract: "Find the first commit that made a BPF program slower: same-run A/B against the good revision, commit by commit.",
        discussion: """
            Walks the bad revision's first-parent history back to the good one (a merge counts as one step). First it \
            times the bad revision's objects A/B against the good one's (the gate profile, --quick, or --profile; \
            --benchmark narrows it) and takes the timing that regressed most. Then it builds the commit in the middle \
            of the open range in a temporary worktree (bpf/*.bpf.c, or your build command: --build/--objects-dir or \
            bpfgate.json's build), times it A/B against the good one and places it on the side it is closer to: its \
            change as a fraction of the bad commit's, on a log scale, with the whole interval below or above 1/2. An \
            interval that straddles 1/2 takes more pairs (--rounds A/Bs at most), then the commit is skipped. A commit \
            whose objects are byte-identical to a placed one's is placed with it without timing; one that does not \
            build is skipped. Prints the first bad commit and its A/B row on stdout (or the commits it may be, when \
            skipped ones stand in the way), and the whole search to --json. The repository, its HEAD and its \
            worktrees are left as found. Exit 0 when the search ends, also when bad is not slower than good; 64 when a \
            revision is not a commit or --good is not on --bad's first-parent history; 65 when both ends build \
            byte-identical objects; 3 when an end does not build.
            """)

    @Option(help: "A revision whose programs are as fast as they should be (an ancestor of --bad).")
    var good: String

    @Option(help: "A revision whose programs are slower (default: HEAD).")
    var bad = "HEAD"

    @Option(help: "Bisect the regression of a benchmark whose name matches this regular expression (default: the one that moved most).")
    var benchmark: String?

    @Option(help: "A/Bs of one commit at most, pooling their pairs, before an inconclusive commit is skipped (1-10).")
    var rounds = 3

    @Flag(help: "Use the quick profile.")
    var quick = false

    @Option(help: "Also write the search (every commit, how it was placed, its A/B) as JSON here.")
    var json: String?

    @Option(help: "Name of this testbed (default: automatic).")
    var testbed: String?

    @OptionGroup(title: "Your project's build") var building: BuildOptions
    @OptionGroup(title: "Baselines and configuration") var configOptions: ConfigOptions
    @OptionGroup(title: "What runs") var selection: SelectionOptions
    @OptionGroup(title: "Process") var global: GlobalOptions

    func validate() throws {
        if quick && selection.profile != nil { throw ValidationError("give --quick or --profile, not both") }
        if !(1 ... 10).contains(rounds) { throw ValidationError("--rounds must be 1...10") }
        if let benchmark, (try? Regex(benchmark)) == nil { throw ValidationError("--benchmark '\(benchmark)' is not a valid regular expression") }
        for (flag, rev) in [("--good", good), ("--bad", bad)] where rev.isEmpty || rev.hasPrefix("-") || rev.contains(where: Text.isControl) {
            throw ValidationError("\(flag) '\(Text.oneLine(rev))' is not a revision")
        }
        try requireOutputs([json])
        try requireTestbedName(testbed)
    }

    var profileName: String { selection.profile ?? (quick ? "quick" : "gate") }

    func run() throws {
        global.apply()
        let config = try configOptions.load()
        var request = try selection.request(config: config, defaultProfile: profileName, testbed: testbed)
        if let benchmark {
            // Both the profile's filter and --benchmark (each searched, not anchored).
            let pattern = request.plan.filter.map { "^(?=.*?(?:\($0)))(?=.*?(?:\(benchmark)))" } ?? benchmark
            request.filter = try Regex(pattern)
        }
        let wanted = try benchmark.map { try Regex($0) }
        let history = try GitRange(good: good, bad: bad)
        let search = BisectSearch(
            history: history, request: request, config: config,
            recipe: building.recipe(config: config),
            demoPairsFactor: selection.samples == nil ? config.profiles[profileName]?.abDemoPairsFactor ?? 3 : 1,
            rounds: rounds, matches: { name in wanted.map { (try? $0.firstMatch(in: name)) != nil } ?? true })
        let log = try search.run { note("bisect: \($0)") }
        if let json { try Lifecycle.write([(json, try BisectLog.encode(log))]) }
        FileHandle.standardOutput.write(Data(log.summary.utf8))
    }
}
