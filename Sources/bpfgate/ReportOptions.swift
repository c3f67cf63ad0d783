import ArgumentParser
import Foundation
import Gate
import Reports
import Results

/// Where a comparison's reports go (shared by `check` and `compare`).
struct ReportOptions: ParsableArguments {
    @Option(help: "Write the report as Markdown (e.g. $GITHUB_STEP_SUMMARY).")
    var markdown: String?

    @Option(help: "Write the report as JUnit XML.")
    var junit: String?

    @Option(name: .customLong("verdict"), help: "Write the JSON verdict file.")
    var verdict: String?

    @Option(help: "Write the comparison as an HTML page with its chart (see `report` for more sections).")
    var html: String?

    @Flag(help: "Report regressions but exit 0.")
    var warnOnly = false

    func validate() throws {
        for path in [markdown, junit, verdict, html].compactMap({ $0 }) { try requireWritableDirectory(of: path) }
    }

    /// Prints the terminal table on stdout, writes the requested files, and exits with the report's status
    /// (or `also`'s, where it ranks higher: an upload failure never hides a regression).
    func deliver(_ report: GateReport, also: ExitStatus = .ok) throws -> Never {
        print(report.terminal(), terminator: "")
        try Lifecycle.commit {
            if let markdown { try AtomicFile.write(Data(report.markdown().utf8), to: markdown) }
            if let junit { try AtomicFile.write(Data(report.junit().utf8), to: junit) }
            if let verdict { try AtomicFile.write(try StableJSON.encode(report), to: verdict) }
            if let html {
                let page = HTMLReport.html(ReportInput(comparison: report, sources: ["bpfgate \(CommandLine.arguments.dropFirst().first ?? "")"],
                                                       generatedAt: Timestamp.iso(Date())))
                try AtomicFile.write(Data(page.utf8), to: html)
            }
        }
        let status = ExitStatus.combined([report.exitStatus(warnOnly: warnOnly), also])
        if warnOnly && !report.regressions.isEmpty { note("bpfgate: warning: \(report.regressions.count) regression(s) (--warn-only: passing)") }
        throw Lifecycle.Exit(status: status)
    }
}

/// A path whose directory must exist and be writable (checked before any run).
func requireWritableDirectory(of path: String) throws {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDir: ObjCBool = false
    if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) || !isDir.boolValue || access(dir, W_OK) != 0 {
        throw ValidationError("cannot write '\(path)': its directory does not exist or is not writable")
    }
}

/// A `--testbed` name: it becomes a directory under baselines/, so only `[a-z0-9._-]`, never a path.
func requireTestbedName(_ name: String?) throws {
    guard let name else { return }
    if Naming.problem(withBenchmark: name) != nil || name.contains("/") || name.hasPrefix(".") {
        throw ValidationError("--testbed must be lower-case letters, digits, '.', '_' or '-' (not starting with '.')")
    }
}

/// Today's date in UTC, YYYY-MM-DD (for waivers).
func todayUTC() -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd"
    return f.string(from: Date())
}
