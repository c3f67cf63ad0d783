import Foundation
import Results
import Testing

/// The gate's commands end to end, on the built binary. Verdicts on real (noisy) runs are asserted only where
/// the effect is far beyond the noise; the exact verdict logic is tested in GateTests on fixed data.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to run benchmarks; in CI these never skip"))
struct GateCLITests {
    static let small = ["--profile", "quick", "--samples", "5", "--warmup", "1"]

    /// A work directory with a configuration recording 3 baseline runs.
    static func workspace() throws -> (dir: URL, config: String, baselines: String) {
        let dir = try temporaryDirectory()
        let config = dir.appendingPathComponent("bpfgate.json").path
        try Data(#"{"gate": {"baselineRuns": 3}}"#.utf8).write(to: URL(fileURLWithPath: config))
        return (dir, config, dir.appendingPathComponent("baselines").path)
    }

    @Test func check_withoutBaseline_requireBaselineExits4_elseRecordsOneAndPasses() throws {
        let (dir, config, baselines) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let required = try Invocation.run(["check", "--config", config, "--baselines", baselines, "--require-baseline"] + Self.small)
        #expect(required.status == 4, "\(required.stderr)")
        #expect(required.stderr.split(separator: "\n").last?.hasPrefix("bpfgate: error: no baseline for testbed") == true)

        let first = try Invocation.run(["check", "--config", config, "--baselines", baselines] + Self.small)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("NO BASELINE"))
        let testbeds = try FileManager.default.contentsOfDirectory(atPath: baselines)
        try #require(testbeds.count == 1)
        let runsDir = "\(baselines)/\(testbeds[0])/runs"
        let runs = try FileManager.default.contentsOfDirectory(atPath: runsDir)
        // The fewest runs that judge (3), a 4th only while the timings' median MDE is above 5 %, and what they detect.
        #expect((3 ... 4).contains(runs.count))
        #expect(first.stderr.contains("With \(runs.count) runs the next check judges "), "\(first.stderr)")
        // Progress without a terminal: one line per run with the time left, never a carriage return.
        #expect(first.stderr.contains("baseline: run 2 of 3-4, ~") && first.stderr.contains(" left\n"), "\(first.stderr)")
        #expect(first.stderr.contains(", user-maps (1/2): ") && !first.stderr.contains("\r"))

        // Now there is one: a real comparison, with every report written.
        let verdict = dir.appendingPathComponent("verdict.json").path, junit = dir.appendingPathComponent("j.xml").path
        let md = dir.appendingPathComponent("summary.md").path
        let second = try Invocation.run(["check", "--config", config, "--baselines", baselines, "--verdict", verdict, "--junit", junit,
                                         "--markdown", md] + Self.small)
        #expect([0, 2].contains(second.status), "\(second.stderr)")
        #expect(second.stdout.contains("against \(runs.count) baseline run(s)"))
        #expect(second.stdout.contains("% of gated rows judged, median minimum detectable effect "))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: verdict))) as? [String: Any])
        #expect(report["mode"] as? String == "baseline")
        #expect((report["findings"] as? [Any])?.count ?? 0 >= 6)
        #expect(try String(contentsOfFile: md, encoding: .utf8).hasPrefix("## bpfgate: "))
        #expect(try String(contentsOfFile: junit, encoding: .utf8).contains("<testsuites name=\"bpfgate\""))
    }

    /// `--grow-baseline`: a run that did not regress joins the baseline; one that did (its baseline doctored to be 10x
    /// faster on one benchmark) does not.
    @Test func check_growBaseline_storesOnlyARunThatDidNotRegress() throws {
        let (dir, config, baselines) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let save = try Invocation.run(["baseline", "save", "--config", config, "--baselines", baselines, "--runs", "3"] + Self.small)
        #expect(save.status == 0, "\(save.stderr)")
        let testbed = try #require(try FileManager.default.contentsOfDirectory(atPath: baselines).first)
        let runsDir = "\(baselines)/\(testbed)/runs"
        func count() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: runsDir).filter { $0.hasSuffix(".json") }.count }
        // Nothing may regress by chance here: only the benchmark doctored below is judged, with a 50 % minimum effect.
        let only = ["--filter", "^user/map/hash/1024/(update|reference)$"]
        let lenient = dir.appendingPathComponent("lenient.json").path
        try Data(#"{"gate": {"minEffect": 0.5}}"#.utf8).write(to: URL(fileURLWithPath: lenient))
        let grown = try Invocation.run(["check", "--config", lenient, "--baselines", baselines, "--grow-baseline"] + Self.small + only)
        #expect(grown.status == 0, "\(grown.stdout)\(grown.stderr)")
        #expect(grown.stderr.contains("baseline: this run is stored (") && grown.stderr.contains("the baseline has 4 run(s)"), "\(grown.stderr)")
        #expect(try count() == 4)

        for file in try FileManager.default.contentsOfDirectory(atPath: runsDir) where file.hasSuffix(".json") {
            let path = "\(runsDir)/\(file)"
            var stored = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            var results = try #require(stored["results"] as? [String: Any])
            var benchmarks = try #require(results["benchmarks"] as? [[String: Any]])
            let i = try #require(benchmarks.firstIndex { $0["name"] as? String == "user/map/hash/1024/update" })
            var measures = try #require(benchmarks[i]["measures"] as? [[String: Any]])
            measures[0]["samples"] = (measures[0]["samples"] as? [Double] ?? []).map { $0 / 10 }
            benchmarks[i]["measures"] = measures
            results["benchmarks"] = benchmarks
            stored["results"] = results
            try JSONSerialization.data(withJSONObject: stored).write(to: URL(fileURLWithPath: path))
        }
        let regressed = try Invocation.run(["check", "--config", lenient, "--baselines", baselines, "--grow-baseline"] + Self.small + only)
        #expect(regressed.status == 2, "\(regressed.stdout)\(regressed.stderr)")
        #expect(regressed.stderr.contains("baseline: this run is not stored: it regressed"), "\(regressed.stderr)")
        // A timing's regression is measured again before it fails the check.
        #expect(regressed.stderr.contains("confirm: 1 regression(s) in 1 benchmark(s); measuring them again"), "\(regressed.stderr)")
        #expect(regressed.stdout.contains("; confirmed by a second run: +"), "\(regressed.stdout)")
        #expect(try count() == 4)
    }

    @Test func compare_findsAnInjectedRegression_andReadsBaselineDirectories() throws {
        let (dir, config, baselines) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let save = try Invocation.run(["baseline", "save", "--config", config, "--baselines", baselines, "--runs", "3"] + Self.small)
        #expect(save.status == 0, "\(save.stderr)")
        let list = try Invocation.run(["baseline", "list", "--baselines", baselines])
        #expect(list.stdout.contains("3 run(s)  (this machine)"))
        let testbed = String(list.stdout.split(separator: " ")[0])
        let show = try Invocation.run(["baseline", "show", "--baselines", baselines, "--testbed", testbed])
        #expect(show.stdout.contains("testbed \(testbed): 3 run(s), the baseline is the last 3"))

        // A candidate whose hash update is 10x slower than its reference says: a regression, exit 2 (10x, so
        // that even 3 baseline runs, t with 2 df, leave no doubt: once in a clean-clone CI run the 3 runs'
        // ratios spread so far that the prediction interval was +-90 % and a 3x step had p 0.066).
        // The candidate is the newest stored run under a new id, so only the injected change differs: a head
        // run of its own was once disturbed as a whole (IQR 80-100 % of its medians) and judged too noisy.
        let candidate = dir.appendingPathComponent("head.json").path
        let runs = "\(baselines)/\(testbed)/runs"
        let newest = try #require(try FileManager.default.contentsOfDirectory(atPath: runs).filter { $0.hasSuffix(".json") }.sorted().last)
        let stored = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(runs)/\(newest)"))) as? [String: Any])
        var results = try ResultsCodec.decode(try JSONSerialization.data(withJSONObject: try #require(stored["results"])), path: newest)
        results.run.id = UUID().uuidString.lowercased()
        let i = try #require(results.benchmarks.firstIndex { $0.name == "user/map/hash/1024/update" })
        results.benchmarks[i].measures[0].samples = results.benchmarks[i].measures[0].samples.map { $0 * 10 }
        try ResultsCodec.encode(results).write(to: URL(fileURLWithPath: candidate))
        let r = try Invocation.run(["compare", "--config", config, "\(baselines)/\(testbed)", candidate])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").contains { $0.hasPrefix("+ ") && $0.contains("user/map/hash/1024/update") })
        let warn = try Invocation.run(["compare", "--config", config, "--warn-only", "\(baselines)/\(testbed)", candidate])
        #expect(warn.status == 0 && warn.stderr.contains("--warn-only"))

        // Accepting it starts a new baseline made of the accepted run.
        let accept = try Invocation.run(["baseline", "accept", "--baselines", baselines, "--reason", "the new hash is worth it",
                                         "--results", candidate])
        #expect(accept.status == 0, "\(accept.stderr)")
        let after = try Invocation.run(["baseline", "show", "--baselines", baselines, "--testbed", testbed])
        #expect(after.stdout.contains("4 run(s), the baseline is the last 1") && after.stdout.contains("reason: the new hash is worth it"))
        let del = try Invocation.run(["baseline", "delete", "--baselines", baselines, "--testbed", testbed, "--all"])
        #expect(del.status == 0 && del.stderr.contains("deleted 4 run(s)"))
    }

    @Test func compare_badInput_exits65WithOneLine() throws {
        let (dir, _, _) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let junk = dir.appendingPathComponent("junk.json").path
        try Data("{\"schemaVersion\": 1}".utf8).write(to: URL(fileURLWithPath: junk))
        for args in [["compare", junk, junk], ["compare", "/nonexistent", junk], ["compare", "--config", junk, junk, junk]] {
            let r = try Invocation.run(args)
            #expect(r.status == 65, "\(args): \(r.stderr)")
            #expect(r.stderrLines.count == 1 && r.stderr.hasPrefix("bpfgate: error: "), "\(r.stderr)")
        }
        let badConfig = dir.appendingPathComponent("bad.json").path
        try Data(#"{"gate": {"alpha": 2}}"#.utf8).write(to: URL(fileURLWithPath: badConfig))
        let r = try Invocation.run(["run", "--config", badConfig, "--quiet"])
        #expect(r.status == 65 && r.stderr.contains("gate.alpha: 2.0 is out of range"), "\(r.stderr)")
    }

    /// The demo's slow version as head must be caught (exit 2); the fast one against itself must pass (exit 0).
    @Test func ab_slowHeadRegresses_fastAgainstFastPasses() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fast = dir.appendingPathComponent("fast"), slow = dir.appendingPathComponent("slow")
        let export = try Invocation.run(["objects", "export", fast.path])
        #expect(export.status == 0, "\(export.stderr)")
        try FileManager.default.createDirectory(at: slow, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fast.appendingPathComponent("xdp_demo_slow.bpf.o"), to: slow.appendingPathComponent("xdp_demo.bpf.o"))
        let regressed = try Invocation.run(["check", "--base-objects", fast.path, "--head-objects", slow.path, "--samples", "30"])
        #expect(regressed.status == 2, "\(regressed.stdout)\(regressed.stderr)")
        // Both object-dependent benchmarks: in BPF_PROG_TEST_RUN and under real traffic on the veth.
        #expect(regressed.stdout.contains("A/B: 2 regression"), "\(regressed.stdout)")
        #expect(regressed.stdout.contains("xdp/demo/fib-classifier") && regressed.stdout.contains("macro/xdp-demo/xdp"))
        // A/B writes the head side as a results file, and the verdict names that run.
        let results = dir.appendingPathComponent("head.json").path, verdict = dir.appendingPathComponent("verdict.json").path
        let same = try Invocation.run(["check", "--base-objects", fast.path, "--samples", "30", "--results", results, "--verdict", verdict])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let head = try ResultsCodec.read(path: results)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: verdict))) as? [String: Any]
        #expect(report?["headRun"] as? String == head.run.id && report?["mode"] as? String == "ab")
        #expect(Set(head.benchmarks.map(\.name)) == ["xdp/demo/fib-classifier", "macro/xdp-demo/xdp"], "\(head.benchmarks.map(\.name))")
        #expect(head.benchmarks.allSatisfy { $0.measures.first?.samples.count ?? 0 >= 6 })
        #expect(head.run.settings["ab.base"] == fast.path && head.run.settings["ab.head"] == "built-in")
    }
}
