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
        try requireOutputs([markdown, junit, verdict, html])
    }

}

/// A command's output paths, checked before anything runs (`OutputTarget.resolve`): a bad one exits 64 in
/// one line, and two outputs may not name one file.
func requireOutputs(_ paths: [String?]) throws {
    var seen = Set<String>()
    for path in paths.compactMap({ $0 }) {
        do {
            let target = try OutputTarget.resolve(path)
            if case let .file(real) = target.kind, !seen.insert(real).inserted {
                throw OutputPathError(path: path, problem: "it is given for two outputs")
            }
        } catch let e as OutputPathError {
            throw ValidationError(e.description)
        }
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

/// A verdict file (`check --verdict`, `compare --verdict`); unreadable or not a verdict: exit 65 naming it.
func readVerdict(_ path: String) throws -> GateReport {
    guard let data = FileManager.default.contents(atPath: path) else { throw BadInputError(path: path, problem: "cannot read the verdict") }
    do {
        return try JSONDecoder().decode(GateReport.self, from: data)
    } catch let error as DecodingError {
        throw BadInputError(path: path, problem: "not a bpfgate verdict (\(ResultsCodec.describe(error)))")
    }
}
