import ArgumentParser
import Foundation
import Gate
import Reports
import Results

extension ReportOptions {
    /// Prints the terminal table on stdout, writes the requested files, and exits with the report's status
    /// (or `also`'s, where it ranks higher: an upload failure never hides a regression).
    func deliver(_ report: GateReport, also: ExitStatus = .ok) throws -> Never {
        print(report.terminal(), terminator: "")
        var outputs: [(path: String, data: Data)] = []
        if let markdown { outputs.append((markdown, Data(report.markdown().utf8))) }
        if let junit { outputs.append((junit, Data(report.junit().utf8))) }
        if let verdict { outputs.append((verdict, try StableJSON.encode(report))) }
        if let html {
            let page = HTMLReport.html(ReportInput(comparison: report, sources: ["bpfgate \(CommandLine.arguments.dropFirst().first ?? "")"],
                                                   generatedAt: Timestamp.iso(Date())))
            outputs.append((html, Data(page.utf8)))
        }
        try Lifecycle.write(outputs)
        let status = ExitStatus.combined([report.exitStatus(warnOnly: warnOnly), also])
        if warnOnly && !report.regressions.isEmpty { note("bpfgate: warning: \(report.regressions.count) regression(s) (--warn-only: passing)") }
        throw Lifecycle.Exit(status: status)
    }
}
