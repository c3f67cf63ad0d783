import ArgumentParser
import Configuration
import Foundation
import Gate
import Reports
import Results
import Statistics
import Suites
import Tracking

/// Where a history is kept.
enum HistorySource: String, ExpressibleByArgument, CaseIterable {
    case baselines, influxdb
}

/// Where a history is read from and which series of it (shared by `history`, `trend` and `report`).
struct HistorySourceOptions: ParsableArguments {
    @Option(help: "Read the stored runs in --baselines, or the points uploaded to InfluxDB (--influx-url, --influx-db).")
    var from: HistorySource = .baselines

    @OptionGroup var store: StoreOptions
    @OptionGroup var influx: InfluxOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: "With --from influxdb: only points with this branch tag.")
    var branch: String?

    @Option(help: "The testbed whose stored runs to read (default: this machine's).")
    var testbed: String?

    @Option(help: "Only benchmarks whose name matches this regular expression.")
    var benchmark: String?

    @Option(help: "Only this measure (e.g. latency).")
    var measure: String?

    @Flag(help: """
        Analyse each run's median. By default a timing with a reference is analysed as its ratio to the reference \
        timed in the same rounds (as the gate judges it), so a step of the whole machine is not taken for one of \
        the code. InfluxDB keeps medians only: --from influxdb always analyses medians.
        """)
    var raw = false

    /// Ratios to the references: the default for stored runs.
    var normalized: Bool { !raw && from == .baselines }

    func validate() throws {
        try requireTestbedName(testbed)
        if let measure, Naming.problem(withMeasure: measure) != nil { throw ValidationError("--measure '\(measure)' is not a measure slug") }
    }

    /// The testbed to read: --testbed, else this machine's.
    var testbedName: String { testbed ?? Environment.testbed().name }

}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a testbed's stored runs as series: per benchmark x measure, each run's median and quartiles.")

    @OptionGroup var source: HistorySourceOptions

    @Option(help: "Also write the series as JSON.")
    var json: String?

    func validate() throws { try requireOutputs([json]) }

    func run() throws {
        let series = try source.load()
        print(HistoryTable.render(series), terminator: "")
        if let json { try Lifecycle.write([(json, try StableJSON.encode(series))]) }
    }
}

struct TrendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trend",
        abstract: "Find change points in a testbed's history (E-divisive means, t-test significance, as Apache Otava).",
        discussion: """
            Each benchmark x measure's run medians, oldest first, are split into windows; a step is kept when \
            the t test between the levels on either side gives p < --max-pvalue and it changes the mean by more \
            than --min-change. A step needs --min-side runs on each side (4), and a timing's step some spread \
            on either side; a shorter history is reported as too short. Exit 2 when a regression step (worse in \
            the measure's direction) starts within the last --recent points.
            """)

    @OptionGroup var source: HistorySourceOptions
    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Points per window (Otava's default).")
    var window = 50

    @Option(help: "Largest p-value of a change point (Otava's default).")
    var maxPvalue = 0.001

    @Option(help: "Smallest relative change of a step, in percent (default: the configuration's gate.minEffect, 5 %; Otava's is 0).")
    var minChange: Double?

    @Option(help: "A regression step starting in the last N points fails the command.")
    var recent = 5

    @Option(help: "Runs a change point needs on each side (Otava: 1); a shorter history is reported as too short.")
    var minSide = TrendOptions.defaultMinSegment

    @Option(help: "Also write the change points as JSON.")
    var json: String?

    @Flag(help: ArgumentHelp("Recompute the neighbours Otava 0.8 recomputes after a merge removal (cross-checks only).", visibility: .hidden))
    var otavaNeighbours = false

    func validate() throws {
        if !(2 ... 10000).contains(window) { throw ValidationError("--window must be 2...10000") }
        if !(maxPvalue > 0 && maxPvalue < 1) { throw ValidationError("--max-pvalue must be between 0 and 1") }
        if let minChange, !(minChange >= 0 && minChange < 1000) { throw ValidationError("--min-change must be a percentage >= 0") }
        if recent < 1 { throw ValidationError("--recent must be at least 1") }
        if !(1 ... 1000).contains(minSide) { throw ValidationError("--min-side must be 1...1000") }
        try requireOutputs([json])
    }

    func options(_ config: GateConfig) -> TrendOptions {
        var o = TrendOptions.defaults(config)
        o.changePoints.windowLength = window
        o.changePoints.maxPValue = maxPvalue
        if let minChange { o.changePoints.minMagnitude = minChange / 100 }
        o.changePoints.otavaNeighbours = otavaNeighbours
        o.recent = recent
        o.minSegment = minSide
        return o
    }

    func run() throws {
        let options = options(try configOptions.load())
        let report = Trend.analyze(try source.load(), options: options)
        print(report.terminal(), terminator: "")
        if let json { try Lifecycle.write([(json, try StableJSON.encode(report))]) }
        throw Lifecycle.Exit(status: report.exitStatus)
    }
}
