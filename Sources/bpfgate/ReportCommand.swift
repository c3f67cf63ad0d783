import ArgumentParser
import Foundation
import Gate
import Reports
import Results
import Suites

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a report with charts: map operations, hooks, ring vs perf buffer, a comparison, trends.",
        discussion: """
            From results files (`run --results`), a verdict (`check`/`compare --verdict`) and, with --history, \
            the testbed's stored runs and their change points. --html writes one self-contained page (inline \
            SVG, no script, nothing fetched); --markdown writes Markdown with each chart as an SVG file beside it.
            """)

    @Argument(help: "Results files to chart (with --history and none given: the latest stored run).")
    var results: [String] = []

    @Flag(help: "Add the stored runs' trends and change points (see `trend`).")
    var history = false

    @OptionGroup var source: HistorySourceOptions
    @OptionGroup var configOptions: ConfigOptions

    @Option(name: .customLong("compare"), help: "A verdict JSON file to chart.")
    var verdict: String?

    @Option(help: "Write the HTML page here.")
    var html: String?

    @Option(help: "Write Markdown here, and the charts as <name>-<chart>.svg beside it.")
    var markdown: String?

    func validate() throws {
        if html == nil && markdown == nil { throw ValidationError("give --html FILE or --markdown FILE (or both)") }
        if results.isEmpty && !history && verdict == nil { throw ValidationError("nothing to report: give results files, --history or --compare VERDICT") }
        try requireOutputs([html, markdown])
    }

    func run() throws {
        var input = ReportInput(generatedAt: Timestamp.iso(Date()))
        for path in results {
            input.results.append(try ResultsCodec.read(path: path))
            input.sources.append(URL(fileURLWithPath: path).lastPathComponent)
        }
        if history {
            let (series, latest) = try source.read()
            input.history = series
            input.trend = Trend.analyze(series, options: .defaults(try configOptions.load()))
            if results.isEmpty, let latest {
                input.results.append(latest)
                input.sources.append("the latest stored run of \(source.testbedName)")
            }
            input.sources.append((source.from == .baselines ? "the stored runs of " : "the InfluxDB points of ") + source.testbedName)
        }
        if let verdict {
            input.comparison = try readVerdict(verdict)
            input.sources.append(URL(fileURLWithPath: verdict).lastPathComponent)
        }
        let built = HTMLReport.sections(input)
        let (sections, omitted) = built
        if sections.isEmpty { throw BadInputError(path: results.first ?? verdict ?? "history", problem: "nothing to chart: " + omitted.joined(separator: "; ")) }
        var outputs: [(path: String, data: Data)] = []
        if let html { outputs.append((html, Data(HTMLReport.html(input, built: built).utf8))) }
        if let markdown {
            // The charts go beside the Markdown file (beside its symlink's target when it is one).
            let target = try OutputTarget.resolve(markdown)
            let file: String
            if case let .file(real) = target.kind { file = real } else { file = markdown }
            let url = URL(fileURLWithPath: file)
            let stem = url.deletingPathExtension().lastPathComponent
            let (md, svgs) = HTMLReport.markdown(input, built: built) { "\(stem)-\($0)-\($1).svg" }
            if case .file = target.kind {
                for (name, svg) in svgs { outputs.append((url.deletingLastPathComponent().appendingPathComponent(name).path, Data(svg.utf8))) }
            }
            outputs.append((markdown, Data(md.utf8)))
        }
        try Lifecycle.write(outputs)
        note("report: \(sections.count) section(s): \(sections.map(\.title).joined(separator: ", "))" + [html, markdown].compactMap { $0 }.map { "; wrote \($0)" }.joined())
        for o in omitted { note("report: not shown: \(o)") }
    }
}
