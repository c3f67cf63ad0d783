import Foundation
import Harness
import Suites
import Testing

/// The fixed fuzz corpus (ci/fuzz/fuzz.py --replay, issue 13): mutated results files, stored baselines,
/// configurations and flag values through the commands that load nothing (compare, baseline --results/show/
/// list/delete, history, trend, report, upload to a dead loopback URL, list). Every case must end without a
/// signal, never exit 1, fail with one clean `bpfgate: error:` line, leave no partial outputs, leave the
/// baselines of a failing command alone and write nothing outside its own directory. About a minute with 2 jobs;
/// no privilege needed. The randomized campaign is ci/bench/fuzz.sh.
@Suite struct FuzzReplayTests {
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func replay_findsNothing() throws {
        let python = "/usr/bin/python3"
        try #require(FileManager.default.isExecutableFile(atPath: python), "the fuzzer needs \(python)")
        let script = Self.project.appendingPathComponent("ci/fuzz/fuzz.py").path
        try #require(FileManager.default.fileExists(atPath: script), "no \(script)")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("findings.json").path

        let r = Shell.run([python, script, "--replay", "--bin", Invocation.binary, "--jobs", "2", "--json", json],
                          environment: ["TMPDIR": dir.path], workingDirectory: Self.project.path)
        let text = r.stdout + r.stderr
        let tail = text.split(separator: "\n").suffix(15).joined(separator: "\n")

        #expect([0, 1].contains(r.status), "fuzz.py itself failed (\(r.status)):\n\(tail)")
        let data = try #require(FileManager.default.contents(atPath: json), "fuzz.py wrote no \(json):\n\(tail)")
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(json) is not a JSON object")
        let findings = try #require(report["findings"] as? [[String: Any]], "\(json) has no findings list")
        let passed = report["passed"] as? Int ?? -1, failed = report["failed"] as? Int ?? -1
        let first = findings.prefix(10).map { f -> String in
            let mutations = (f["mutations"] as? [String] ?? []).joined(separator: "; ")
            return "case \(f["case"] ?? "?") \(f["command"] ?? "?"): \(f["kind"] ?? "?") (exit \(f["status"] ?? "none")): "
                + "\(f["stderr"] ?? "") \(f["detail"] ?? "")\n    \(f["repro"] ?? "")\n    mutations: \(mutations)"
        }
        #expect(findings.isEmpty && failed == 0,
                "fuzz replay: \(passed) passed, \(failed) failed; the first findings (rerun one: fuzz.py --seed S --first CASE --cases 1 --keep DIR):\n\(first.joined(separator: "\n"))")
        #expect(text.contains("fuzz: \(passed) passed, \(failed) failed"), "no summary line:\n\(tail)")
    }
}
