import Foundation
import Results
import Testing

/// `bpfgate guide --from`: the page and the JSON from a results file; bad input in one line with its exit code.
@Suite struct GuideCLITests {
    static func results(in dir: URL) throws -> String {
        let run = ResultsFile(
            testbed: TrendFixture.testbed,
            run: RunMetadata(id: "feedface-0000-4000-8000-000000000001", toolVersion: "0.1.0", startedAt: "2026-11-30T00:00:00.000Z",
                             finishedAt: "2026-11-30T00:01:00.000Z", durationSeconds: 60, git: nil, bpfObjects: [], load: [],
                             suites: ["kernel"], settings: [:]),
            benchmarks: [
                BenchmarkResult(name: "kernel/map/hash/1024/full/lookup", suite: "kernel", measures: [Measure.latency.result([25, 26, 27])]),
                BenchmarkResult(name: "kernel/map/array/1024/full/lookup", suite: "kernel", measures: [Measure.latency.result([2.9, 3, 3.1])]),
            ])
        let path = dir.appendingPathComponent("r.json").path
        try ResultsCodec.encode(run).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func guide_fromResults_writesThePageAndSections() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = try Self.results(in: dir)
        let page = try Invocation.run(["guide", "--from", results])
        #expect(page.status == 0, "\(page.stderr)")
        #expect(page.stdout.contains("Array lookups cost 8.7x less than hash lookups here (3 ns against 26 ns, medians)."), "\(page.stdout)")
        let json = dir.appendingPathComponent("g.json").path, md = dir.appendingPathComponent("g.md").path
        let files = try Invocation.run(["guide", "--from", results, "--json", json, "--markdown", md])
        #expect(files.status == 0 && files.stdout.isEmpty, "\(files.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let ids = (doc["sections"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(ids == ["maps", "load", "hooks", "helpers", "submission", "memory", "capacity"])
        #expect(try String(contentsOfFile: md, encoding: .utf8).hasPrefix("# bpfgate guide"))
    }

    @Test func guide_badInput_oneLine() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.json")
        try Data("{}".utf8).write(to: bad)
        for (args, status) in [(["--load", "cpu:900"], Int32(64)), (["--from", bad.path], 65), (["--from", "/nonexistent.json"], 65),
                               (["--from", bad.path, "--results-dir", dir.path], 64), (["--results-dir", "/nonexistent-dir"], 64),
                               (["--from", bad.path, "--json", "/nonexistent-dir/g.json"], 64)] {
            let r = try Invocation.run(["guide"] + args)
            #expect(r.status == status && r.stderrLines.count == 1 && r.stderr.hasPrefix("bpfgate: error: "), "\(args): \(r.status) \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }
}

@Suite(.enabled(if: browserTestsEnabled, "needs /usr/bin/chromium (ci/setup.sh installs it; in CI this never skips)"))
struct GuideBrowserTests {
    /// `guide --from --html` rendered by headless Chromium: the PNG has the window's size, ink down the page and the
    /// charts' colours (ci/render-check.py).
    @Test func guide_rendersInChromium() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = try GuideCLITests.results(in: dir)
        let html = dir.appendingPathComponent("guide.html").path
        let r = try Invocation.run(["guide", "--from", results, "--html", html])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
        let rendered = try renderInChromium(html, in: dir, width: 1000, height: 800, bands: 4, colours: ["blue"])
        #expect(rendered.ok, "render check: \(rendered.verdict)")
    }
}

/// `guide` measuring its own runs, with tiny profiles of a configuration: the idle run and one under a background
/// load, their results files kept, the sections answered from them; stress-ng and the kernel left as found.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to create maps and run stress-ng; in CI this never skips"))
struct GuideMeasuringTests {
    @Test func guide_measuresIdleAndUnderLoad() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("bpfgate.json")
        try Data("""
            {"profiles": {"tiny": {"suites": ["user-maps", "memory"], "filter": "^(user/map/(hash|array)/1024/(lookup|reference)|memory/map/hash(-noprealloc)?/10240/8/)", "samples": 10, "sizes": [1024]},
                          "tiny-load": {"suites": ["user-maps"], "filter": "^user/map/(hash|array)/1024/(lookup|reference)$", "samples": 10, "sizes": [1024]}}}
            """.utf8).write(to: config)
        let json = dir.appendingPathComponent("guide.json").path
        let r = try Invocation.run(["guide", "--config", config.path, "--profile", "tiny", "--load-profile", "tiny-load", "--load", "cpu:50",
                                    "--results-dir", dir.path, "--json", json])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("guide: run 1 of 2, idle (profile tiny)") && r.stderr.contains("guide: run 2 of 2, cpu-50 (profile tiny-load)"))
        for name in ["idle.json", "cpu-50.json"] { #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name)") }
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let sections = try #require(doc["sections"] as? [[String: Any]])
        let answers = Dictionary(uniqueKeysWithValues: sections.compactMap { s in (s["id"] as? String).map { ($0, s["answer"] as? String ?? "") } })
        #expect(answers["load"]?.hasPrefix("Under cpu:50 map operations took ") == true, "\(answers["load"] ?? "")")
        #expect(answers["maps"]?.contains(" lookups cost ") == true, "\(answers["maps"] ?? "")")
        #expect(answers["memory"]?.hasPrefix("Empty, a preallocated hash of 10240 entries x 8 B takes ") == true, "\(answers["memory"] ?? "")")
        #expect(try KernelState.settled(like: before) == before)
        #expect(MemoryCLITests.leftoverCgroups().isEmpty)
        let stress = try KernelState.output(["pgrep", "-x", "stress-ng"])
        #expect(stress.isEmpty, "stress-ng left running: \(String(decoding: stress, as: UTF8.self))")
    }
}

