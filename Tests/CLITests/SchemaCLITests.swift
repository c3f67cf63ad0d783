import Foundation
import Harness
import Testing

/// The JSON Schemas shipped in schemas/ (and referenced from the README) hold bpfgate's own output: a results file and
/// the verdict `compare` writes from it, checked by Debian's python3-jsonschema (ci/setup.sh installs it).
@Suite struct SchemaCLITests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// "ok", or the validator's first complaints.
    static func validate(_ file: String, against schema: String) throws -> String {
        let r = Shell.run(["/usr/bin/python3", "-c", """
            import json, sys, jsonschema
            schema, doc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
            jsonschema.Draft202012Validator.check_schema(schema)
            errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
            print("ok" if not errors else "; ".join(f"{list(e.path)}: {e.message[:160]}" for e in errors[:5]))
            """, repo.appendingPathComponent("schemas/\(schema)").path, file])
        try #require(r.status == 0, "\(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func resultsAndVerdict_matchTheShippedSchemas() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let baselines = try TrendFixture.store(in: dir)
        let run = dir.appendingPathComponent("run29.json").path
        let verdict = dir.appendingPathComponent("verdict.json").path
        let r = try Invocation.run(["compare", "\(baselines)/hist", run, "--verdict", verdict])
        #expect([0, 2].contains(r.status), "\(r.stderr)")
        #expect(try Self.validate(run, against: "results.schema.json") == "ok")
        #expect(try Self.validate(verdict, against: "verdict.schema.json") == "ok")
        // The schemas do reject: a measure with samples and a failed status, a verdict of an unknown kind.
        var doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run))) as? [String: Any])
        var benchmarks = try #require(doc["benchmarks"] as? [[String: Any]])
        var measures = try #require(benchmarks[0]["measures"] as? [[String: Any]])
        measures[0]["status"] = "failed"
        benchmarks[0]["measures"] = measures
        doc["benchmarks"] = benchmarks
        let bad = dir.appendingPathComponent("bad.json").path
        try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: bad))
        #expect(try Self.validate(bad, against: "results.schema.json") != "ok")
        let text = try String(contentsOfFile: verdict, encoding: .utf8).replacingOccurrences(of: "\"unchanged\"", with: "\"fine\"")
        try Data(text.utf8).write(to: URL(fileURLWithPath: bad))
        #expect(try Self.validate(bad, against: "verdict.schema.json") != "ok")
    }
}

/// check-jsonschema (PyPI, installed by ci/setup.sh into /opt/bpfgate-tools) validates action.yml and the workflow
/// against GitHub's schemas, which it carries (no network).
let checkJSONSchema = "/opt/bpfgate-tools/bin/check-jsonschema"

@Suite(.enabled(if: ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")
                    || FileManager.default.isExecutableFile(atPath: checkJSONSchema),
                "needs \(checkJSONSchema) (ci/setup.sh installs it; in CI this never skips)"))
struct ActionSchemaTests {
    @Test func actionAndWorkflow_validateAgainstGitHubsSchemas() throws {
        for (schema, file) in [("vendor.github-actions", "action.yml"), ("vendor.github-workflows", ".github/workflows/bpfgate.yml")] {
            let r = Shell.run([checkJSONSchema, "--builtin-schema", schema, SchemaCLITests.repo.appendingPathComponent(file).path])
            #expect(r.status == 0, "\(file): \(r.stdout)\(r.stderr)")
        }
        // The repository's own workflow gates through the action.
        let workflow = try String(contentsOf: SchemaCLITests.repo.appendingPathComponent(".github/workflows/bpfgate.yml"), encoding: .utf8)
        #expect(workflow.contains("      - uses: ./\n"))
        let action = try String(contentsOf: SchemaCLITests.repo.appendingPathComponent("action.yml"), encoding: .utf8)
        #expect(action.contains("ci/gate.sh") && action.contains("bpfgate\" comment") && action.contains("WARNING: on a self-hosted runner a pull request from a fork"))
    }
}
