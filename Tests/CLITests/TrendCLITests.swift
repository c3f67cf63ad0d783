import Foundation
import Results
import Testing

/// A history of 30 stored runs: `t/op` (timed with the reference `t/op/reference`) steps +12 % at run 20 while its
/// reference stays; `t/both` steps with its reference `t/both/reference` (the machine got slower).
enum TrendFixture {
    static let testbed = Testbed(name: "hist", kernelRelease: "6.18.44", architecture: "x86_64", cpuModel: "cpu", cpuCount: 2,
                                 libbpfVersion: "1.1", clangVersion: "clang 21", jitEnabled: true, jitHarden: 0)

    /// Ten samples within +-2 % of `center`, scattered by a small LCG (the same for the same seed).
    static func samples(_ center: Double, _ seed: Int) -> [Double] {
        var state = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
        return (0 ..< 10).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return center * (1 + 0.02 * (Double(state >> 33) / Double(1 << 31) - 0.5) * 2)
        }
    }

    static func run(_ i: Int) -> ResultsFile {
        let op = i < 20 ? 25.0 : 28.0, machine = i < 20 ? 10.0 : 11.0
        let time = String(format: "2026-11-%02dT%02d:00:00.000Z", 1 + i / 20, i % 20)
        return ResultsFile(
            testbed: testbed,
            run: RunMetadata(id: String(format: "00000000-0000-4000-8000-%012d", i), toolVersion: "0.1.0", startedAt: time,
                             finishedAt: time, durationSeconds: 1, git: GitState(commit: String(format: "%02d", i) + String(repeating: "a", count: 38), dirty: false),
                             bpfObjects: [], load: [], suites: ["t"], settings: [:]),
            benchmarks: [
                BenchmarkResult(name: "t/op", suite: "t", measures: [Measure.latency.result(samples(op, i))], reference: "t/op/reference"),
                BenchmarkResult(name: "t/op/reference", suite: "t", measures: [Measure.latency.result(samples(10, i + 100))]),
                BenchmarkResult(name: "t/both", suite: "t", measures: [Measure.latency.result(samples(4 * machine, i + 200))], reference: "t/both/reference"),
                BenchmarkResult(name: "t/both/reference", suite: "t", measures: [Measure.latency.result(samples(machine, i + 300))]),
            ])
    }

    /// `dir/baselines/hist/runs/...`, stored through `baseline save --results`.
    static func store(in dir: URL) throws -> String {
        var files: [String] = []
        for i in 0 ..< 30 {
            let path = dir.appendingPathComponent("run\(i).json").path
            try ResultsCodec.encode(run(i)).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        let baselines = dir.appendingPathComponent("baselines").path
        let r = try Invocation.run(["baseline", "save", "--baselines", baselines, "--force", "--results"] + files)
        #expect(r.status == 0, "\(r.stderr)")
        return baselines
    }
}

@Suite struct TrendCLITests {
    @Test func history_listsEachSeriesOldestFirst() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let baselines = try TrendFixture.store(in: dir)
        let json = dir.appendingPathComponent("history.json").path
        let r = try Invocation.run(["history", "--baselines", baselines, "--testbed", "hist", "--benchmark", "^t/op$", "--raw", "--json", json])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("t/op  latency (ns, smaller is better): 30 point(s)\n"))
        let series = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [[String: Any]])
        try #require(series.count == 1)
        let points = try #require(series[0]["points"] as? [[String: Any]])
        try #require(points.count == 30, "30 runs stored, \(points.count) read back")
        #expect((points[0]["commit"] as? String)?.hasPrefix("00a") == true && points[29]["kind"] as? String == "save")
        let first = try #require(points[0]["value"] as? Double), last = try #require(points[29]["value"] as? Double)
        #expect(abs(first - 25) < 0.5 && abs(last - 28) < 0.5)
        // By default, what trend analyses: the ratio to the reference (25 / 10 ns).
        let ratios = try Invocation.run(["history", "--baselines", baselines, "--testbed", "hist", "--benchmark", "^t/op$"])
        #expect(ratios.stdout.hasPrefix("t/op  latency (x reference, smaller is better): 30 point(s)\n"), "\(ratios.stdout)")
        #expect(ratios.stdout.contains(" 2.5") || ratios.stdout.contains(" 2.4"))

        // `baseline save --results --testbed NAME` stores the runs under NAME.
        let renamed = try Invocation.run(["baseline", "save", "--baselines", baselines, "--force", "--testbed", "renamed",
                                          "--results", dir.appendingPathComponent("run0.json").path])
        #expect(renamed.status == 0, "\(renamed.stderr)")
        let one = try Invocation.run(["history", "--baselines", baselines, "--testbed", "renamed", "--benchmark", "^t/op$", "--raw"])
        #expect(one.status == 0 && one.stdout.hasPrefix("t/op  latency (ns, smaller is better): 1 point(s)\n"), "\(one.stdout)\(one.stderr)")
        // The same run again is not stored twice.
        let again = try Invocation.run(["baseline", "save", "--baselines", baselines, "--force", "--testbed", "renamed",
                                        "--results", dir.appendingPathComponent("run0.json").path])
        #expect(again.status == 0 && again.stderr.contains("is already stored in"), "\(again.stderr)")
        let still = try Invocation.run(["history", "--baselines", baselines, "--testbed", "renamed", "--benchmark", "^t/op$", "--raw"])
        #expect(still.stdout.hasPrefix("t/op  latency (ns, smaller is better): 1 point(s)\n"))
    }

    @Test func trend_findsTheStepAndItsCommits_failsOnlyWhenRecent() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let baselines = try TrendFixture.store(in: dir)
        let json = dir.appendingPathComponent("trend.json").path
        let recent = try Invocation.run(["trend", "--baselines", baselines, "--testbed", "hist", "--recent", "12", "--json", json])
        #expect(recent.status == 2, "\(recent.stdout)\(recent.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let steps = try #require(report["steps"] as? [[String: Any]])
        let op = try #require(steps.first { $0["benchmark"] as? String == "t/op" })
        #expect(op["index"] as? Int == 20 && op["kind"] as? String == "regression" && op["recent"] as? Bool == true)
        #expect((op["commit"] as? String)?.hasPrefix("20a") == true && (op["commitBefore"] as? String)?.hasPrefix("19a") == true)
        #expect(abs((op["change"] as? Double ?? 0) - 0.12) < 0.01 && (op["pValue"] as? Double ?? 1) < 0.001)
        // The reference stepped too: shown, never failing.
        let ref = try #require(steps.first { $0["benchmark"] as? String == "t/both/reference" })
        #expect(ref["reference"] as? Bool == true)
        #expect(recent.stdout.contains("✗  t/op "))

        let old = try Invocation.run(["trend", "--baselines", baselines, "--testbed", "hist", "--recent", "5"])
        #expect(old.status == 0, "\(old.stdout)")
        #expect(old.stdout.contains("0 regression(s) in the last 5 point(s)"))
    }

    @Test func trend_byDefaultNormalized_cancelsAStepOfTheMachine_rawDoesNot() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let baselines = try TrendFixture.store(in: dir)
        let r = try Invocation.run(["trend", "--baselines", baselines, "--testbed", "hist", "--benchmark", "^t/both", "--recent", "12"])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(!r.stdout.contains("t/both  "))
        let raw = try Invocation.run(["trend", "--baselines", baselines, "--testbed", "hist", "--benchmark", "^t/both$", "--recent", "12", "--raw"])
        #expect(raw.status == 2 && raw.stdout.contains("t/both "))
    }

    static let badInputs: [([String], Int32)] = [
        (["trend", "--benchmark", "("], 64), (["trend", "--window", "1"], 64), (["trend", "--max-pvalue", "2"], 64),
        (["history", "--measure", "Not A Slug"], 64), (["trend", "--benchmark", "^nothing$"], 64),
        (["trend", "--testbed", "none"], 4), (["report", "--history"], 64), (["report", "--html", "/nonexistent-dir/r.html", "--history"], 64),
    ]

    @Test(arguments: badInputs)
    func badInput_oneLineAndItsExitCode(args: [String], status: Int32) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let baselines = try TrendFixture.store(in: dir)
        let r = try Invocation.run(args + ["--baselines", baselines] + (args.contains("--testbed") ? [] : ["--testbed", "hist"]))
        #expect(r.status == status, "\(args): \(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.hasPrefix("bpfgate: error: "), "\(args): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func report_badVerdict_exit65_writesNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let verdict = dir.appendingPathComponent("v.json")
        try Data("{\"mode\": 3}".utf8).write(to: verdict)
        let html = dir.appendingPathComponent("r.html").path
        let r = try Invocation.run(["report", "--compare", verdict.path, "--html", html])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains("not a bpfgate verdict"))
        #expect(!FileManager.default.fileExists(atPath: html))
    }
}

/// In CI (CI=true) the browser test never skips: ci/setup.sh installs Debian's chromium.
let browserTestsEnabled = ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")
    || FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")

/// `html` rendered by headless Chromium to a PNG of `width` x `height`, then ci/render-check.py: the window's size, ink
/// in at least `bands` bands down the page, and pixels of the chart palette's `colours`. Returns its verdict line.
func renderInChromium(_ html: String, in dir: URL, width: Int, height: Int, bands: Int, colours: [String]) throws -> (ok: Bool, verdict: String) {
    let png = dir.appendingPathComponent("page.png").path
    let chromium = Process()
    chromium.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
    chromium.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(dir.path)/profile",
                          "--screenshot=\(png)", "--window-size=\(width),\(height)", "file://\(html)"]
    chromium.standardOutput = FileHandle.nullDevice
    chromium.standardError = FileHandle.nullDevice
    try chromium.run()
    chromium.waitUntilExit()
    guard chromium.terminationStatus == 0 else { return (false, "chromium exited \(chromium.terminationStatus)") }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let check = Process()
    check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    check.arguments = [repo.appendingPathComponent("ci/render-check.py").path, png, String(width), String(height), String(bands)] + colours
    let out = Pipe()
    check.standardOutput = out
    try check.run()
    let verdict = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    check.waitUntilExit()
    return (check.terminationStatus == 0, verdict)
}

@Suite(.enabled(if: browserTestsEnabled, "needs /usr/bin/chromium (ci/setup.sh installs it; in CI this never skips)"))
struct ReportBrowserTests {
    /// The page from a real history, a verdict and results, rendered by headless Chromium: the PNG has the
    /// window's size, ink down the page and the charts' colours (ci/render-check.py).
    @Test func report_rendersInChromium() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let baselines = try TrendFixture.store(in: dir)
        let verdict = dir.appendingPathComponent("verdict.json").path
        let cmp = try Invocation.run(["compare", "\(baselines)/hist", dir.appendingPathComponent("run29.json").path, "--verdict", verdict])
        #expect([0, 2].contains(cmp.status), "\(cmp.stderr)")
        let html = dir.appendingPathComponent("report.html").path, md = dir.appendingPathComponent("report.md").path
        let r = try Invocation.run(["report", "--baselines", baselines, "--testbed", "hist", "--history", "--compare", verdict,
                                    "--html", html, "--markdown", md])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("2 section(s): Comparison, Trends"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<section id=\"trends\">") && page.contains("<section id=\"comparison\">"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report-trends-trend-0.svg").path))

        let rendered = try renderInChromium(html, in: dir, width: 1000, height: 2000, bands: 8, colours: ["blue", "vermillion"])
        #expect(rendered.ok, "render check: \(rendered.verdict)")
    }
}
