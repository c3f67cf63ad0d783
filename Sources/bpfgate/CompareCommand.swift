import ArgumentParser
import Foundation
import Gate
import Results

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a results file with a baseline (a results file, a stored run, or baselines/<testbed>).")

    @Argument(help: "The baseline: a results file, a stored run, or a directory of stored runs.")
    var base: String

    @Argument(help: "The candidate results file (from `bpfgate run --results`).")
    var candidate: String

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var reports: ReportOptions

    func run() throws {
        let config = try configOptions.load()
        let baseline = try RunLoader.load(base)
        let head = try ResultsCodec.read(path: candidate)
        try reports.deliver(Comparison.stored(baseline: baseline, head: head, config: config, today: todayUTC()))
    }
}
