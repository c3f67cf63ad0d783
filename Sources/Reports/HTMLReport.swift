import Foundation
import Gate
import Results
import Statistics

/// What a report is made from: named input files, already read.
public struct ReportInput: Sendable {
    /// Runs to chart (later files win for a benchmark they share).
    public var results: [ResultsFile]
    /// A testbed's history and its change points.
    public var history: [HistorySeries]
    public var trend: TrendReport?
    /// A verdict (`check`/`compare --verdict`).
    public var comparison: GateReport?
    /// Where each input came from, shown in the header.
    public var sources: [String]
    /// Shown in the header; fixed in tests.
    public var generatedAt: String

    public init(results: [ResultsFile] = [], history: [HistorySeries] = [], trend: TrendReport? = nil,
                comparison: GateReport? = nil, sources: [String] = [], generatedAt: String) {
        self.results = results
        self.history = history
        self.trend = trend
        self.comparison = comparison
        self.sources = sources
        self.generatedAt = generatedAt
    }
}

/// One part of the report: its charts (SVG) and the numbers behind them.
public struct ReportSection: Sendable {
    public struct Chart: Sendable {
        /// File-name part for the Markdown report's SVG files.
        public var id: String
        public var caption: String
        public var svg: String
    }
    public var id: String
    public var title: String
    public var intro: String
    public var charts: [Chart]
    /// Header row first.
    public var table: [[String]]
}

/// The report: map operations, hooks, event buffers, a comparison and trends, each where its input has data.
public enum HTMLReport {
    /// The sections and the lines saying which were left out, built once for every format.
    public typealias Built = (sections: [ReportSection], omitted: [String])

    /// The sections the input has data for, and one line per section left out (why).
    public static func sections(_ input: ReportInput) -> Built {
        var sections: [ReportSection] = []
        var omitted: [String] = []
        let latest = latestMeasures(input.results)
        func add(_ section: ReportSection?, _ why: String) {
            if let section { sections.append(section) } else { omitted.append(why) }
        }
        add(ReportSections.maps(latest), "Map operations: no user/map or kernel/map latency in the results")
        add(ReportSections.hooks(latest), "Hooks: no macro/count results")
        add(ReportSections.eventBuffers(latest), "Ring buffer vs perf buffer: no kernel/helper/ringbuf or perf_event_output results")
        add(input.comparison.flatMap(ReportSections.comparison),
            input.comparison == nil ? "Comparison: no --compare verdict" : "Comparison: the verdict compared no values (needs data?)")
        add(ReportSections.trends(input.history, trend: input.trend), "Trends: no --history")
        return (sections, omitted)
    }

    /// One self-contained HTML page: inline SVG and CSS, no script, nothing fetched.
    public static func html(_ input: ReportInput, built: Built? = nil) -> String {
        let (sections, omitted) = built ?? sections(input)
        return page(title: "bpfgate report", headline: headline(input), omitted: omitted, sections: sections)
    }

    /// The page around sections (the report's and the guide's): inline CSS, each section's intro, charts and table.
    static func page(title: String, headline: String, omitted: [String], sections: [ReportSection]) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(ChartKit.escape(title))</title>
            <style>
            body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 940px; padding: 0 16px; font-size: 15px; line-height: 1.45; }
            h1 { font-size: 26px; margin-bottom: 4px; }
            h2 { font-size: 20px; margin-top: 36px; border-bottom: 2px solid #0072B2; padding-bottom: 4px; }
            .meta { color: #555; font-size: 14px; }
            figure { margin: 16px 0; }
            figcaption { font-size: 14px; color: #444; margin-top: 4px; }
            svg { max-width: 100%; height: auto; }
            table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
            th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            details { margin: 8px 0 20px; }
            summary { cursor: pointer; color: #0072B2; }
            </style>
            </head>
            <body>
            <h1>\(ChartKit.escape(title))</h1>

            """
        out += "<p class=\"meta\">\(ChartKit.escape(headline))</p>\n"
        if !omitted.isEmpty {
            out += "<p class=\"meta\">Not shown: " + omitted.map(ChartKit.escape).joined(separator: "; ") + ".</p>\n"
        }
        for s in sections {
            out += "<section id=\"\(s.id)\">\n<h2>\(ChartKit.escape(s.title))</h2>\n<p>\(ChartKit.escape(s.intro))</p>\n"
            for c in s.charts {
                out += "<figure id=\"\(s.id)-\(c.id)\">\n\(c.svg)<figcaption>\(ChartKit.escape(c.caption))</figcaption>\n</figure>\n"
            }
            if s.table.count > 1 {
                out += "<details><summary>The numbers (\(s.table.count - 1) rows)</summary>\n<table>\n"
                out += "<tr>" + s.table[0].map { "<th>\(ChartKit.escape($0))</th>" }.joined() + "</tr>\n"
                for row in s.table.dropFirst() {
                    out += "<tr>" + row.map { cell in
                        let numeric = cell.first.map { $0.isNumber || $0 == "+" || $0 == "-" } ?? false
                        return "<td\(numeric ? " class=\"num\"" : "")>\(ChartKit.escape(cell))</td>"
                    }.joined() + "</tr>\n"
                }
                out += "</table>\n</details>\n"
            }
            out += "</section>\n"
        }
        out += "</body>\n</html>\n"
        return out
    }

    /// Markdown for a CI summary or artifact: text and tables inline, each chart an SVG file beside it
    /// (`svgName(section, chart)`), linked.
    public static func markdown(_ input: ReportInput, built: Built? = nil,
                                svgName: (String, String) -> String) -> (markdown: String, svgs: [(name: String, svg: String)]) {
        let (sections, omitted) = built ?? sections(input)
        var md = "# bpfgate report\n\n\(headline(input))\n\n"
        if !omitted.isEmpty { md += "Not shown: " + omitted.joined(separator: "; ") + ".\n\n" }
        var svgs: [(String, String)] = []
        for s in sections {
            md += "## \(s.title)\n\n\(s.intro)\n\n"
            for c in s.charts {
                let name = svgName(s.id, c.id)
                svgs.append((name, c.svg))
                md += "![\(c.caption.replacingOccurrences(of: "]", with: ")"))](\(name))\n\n"
            }
            if s.table.count > 1 {
                md += "<details><summary>The numbers</summary>\n\n"
                md += "| " + s.table[0].joined(separator: " | ") + " |\n|" + s.table[0].map { _ in " --- |" }.joined() + "\n"
                for row in s.table.dropFirst() {
                    md += "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
                }
                md += "\n</details>\n\n"
            }
        }
        return (md, svgs)
    }

    static func headline(_ input: ReportInput) -> String {
        var parts: [String] = []
        let testbeds = Set(input.results.map(\.testbed.name) + (input.comparison.map { [$0.testbed] } ?? [])).sorted()
        if !testbeds.isEmpty { parts.append("testbed " + testbeds.joined(separator: ", ")) }
        if let t = input.results.last?.testbed { parts.append("kernel \(t.kernelRelease), \(t.cpuModel) x\(t.cpuCount)") }
        if !input.results.isEmpty {
            let commits = Set(input.results.compactMap { $0.run.git.map { String($0.commit.prefix(12)) + ($0.dirty ? "+dirty" : "") } }).sorted()
            parts.append("\(input.results.count) run(s)" + (commits.isEmpty ? "" : " of " + commits.joined(separator: ", ")))
        }
        if !input.history.isEmpty { parts.append("history of \(input.history.count) series") }
        if !input.sources.isEmpty { parts.append("from " + input.sources.joined(separator: ", ")) }
        parts.append("made \(input.generatedAt)")
        return parts.joined(separator: " · ")
    }

    /// Every benchmark x measure of the runs, the last run's where several have it.
    static func latestMeasures(_ runs: [ResultsFile]) -> [String: [String: MeasureResult]] {
        var out: [String: [String: MeasureResult]] = [:]
        for run in runs {
            for b in run.benchmarks {
                for m in b.measures { out[b.name, default: [:]][m.measure] = m }
            }
        }
        return out
    }
}
