import Foundation
import Testing

/// The GitHub stand-in (ci/test-servers/github_stub.py) on a loopback port, for one test.
final class GitHubStub {
    let process = Process()
    let dir: URL
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    init(token: String, seed: Int = 0, readOnly: Bool = false, plan: [String] = [], in dir: URL) throws {
        self.dir = dir
        let portFile = dir.appendingPathComponent("gh-port").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ci/test-servers/github_stub.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--port-file", portFile, "--log", dir.appendingPathComponent("gh.log").path, "--token", token,
                             "--seed", String(seed), "--plan", plan.joined(separator: ",")] + (readOnly ? ["--read-only"] : [])
        self.port = try startStub(process, portFile: portFile, name: "the GitHub stub")
    }

    func log() throws -> [[String: Any]] {
        let text = (try? String(contentsOf: dir.appendingPathComponent("gh.log"), encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }
    func requests() throws -> [[String: Any]] { try log().filter { $0["method"] != nil } }
    /// The pull request's comments after the last request.
    func comments() throws -> [[String: Any]] { try log().last { $0["event"] as? String == "comments" }?["comments"] as? [[String: Any]] ?? [] }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// `bpfgate comment` against a local server playing GitHub: one comment, found again by its marker through the
/// pages of comments and edited in place; a read-only token exits 6; the token appears in no output.
@Suite(.serialized) struct CommentCLITests {
    static let token = "ghs_test0123456789abcdefTOKEN"

    func comment(_ args: [String], stub: GitHubStub, env: [String: String] = [:]) throws -> Invocation {
        // Whatever GitHub Actions set in the test's own environment is overridden (empty: unset).
        try Invocation.run(["comment", "--api-url", stub.url, "--attempts", "2"] + args,
                           environment: ["GITHUB_TOKEN": Self.token, "GITHUB_REPOSITORY": "octo/widgets", "GITHUB_EVENT_PATH": "",
                                         "GITHUB_API_URL": "", "GITHUB_SERVER_URL": "", "GITHUB_RUN_ID": ""].merging(env) { $1 })
    }

    @Test func secondRun_updatesTheSameComment_pagingPastAHundred() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try GitHubStub(token: Self.token, seed: 150, in: dir)
        let event = dir.appendingPathComponent("event.json")
        try Data(#"{"action": "synchronize", "pull_request": {"number": 7}}"#.utf8).write(to: event)
        let md = dir.appendingPathComponent("summary.md")
        try Data("## bpfgate\n\nfirst run\n".utf8).write(to: md)
        let first = try comment(["--markdown", md.path], stub: stub, env: ["GITHUB_EVENT_PATH": event.path])
        #expect(first.status == 0 && first.stderr.contains("comment: created comment 5000 on octo/widgets#7"), "\(first.stderr)")
        try Data("## bpfgate\n\nsecond run\n".utf8).write(to: md)
        let second = try comment(["--markdown", md.path, "--pull-request", "7"], stub: stub)
        #expect(second.status == 0 && second.stderr.contains("comment: updated comment 5000 on octo/widgets#7"), "\(second.stderr)")
        let comments = try stub.comments()
        #expect(comments.count == 151)
        let ours = comments.filter { ($0["body"] as? String)?.contains("<!-- bpfgate-comment: bpfgate -->") == true }
        #expect(ours.count == 1 && (ours.first?["body"] as? String)?.hasSuffix("second run\n") == true, "\(ours)")
        // Each run paged through the 150 others (two pages of 100); the second found its own on the second page.
        let calls = try stub.requests().map { "\($0["method"] ?? "") \($0["path"] ?? "")?\($0["query"] ?? "")" }
        #expect(calls == [
            "GET /repos/octo/widgets/issues/7/comments?per_page=100&page=1", "GET /repos/octo/widgets/issues/7/comments?per_page=100&page=2",
            "POST /repos/octo/widgets/issues/7/comments?",
            "GET /repos/octo/widgets/issues/7/comments?per_page=100&page=1", "GET /repos/octo/widgets/issues/7/comments?per_page=100&page=2",
            "PATCH /repos/octo/widgets/issues/comments/5000?",
        ], "\(calls)")
        #expect(try stub.requests().allSatisfy { ($0["problems"] as? [String])?.isEmpty ?? true })
        for r in [first, second] { #expect(!r.stdout.contains(Self.token) && !r.stderr.contains(Self.token)) }
    }

    @Test func readOnlyToken_exits6_neverPrintsTheToken() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try GitHubStub(token: Self.token, readOnly: true, plan: ["503"], in: dir)
        let md = dir.appendingPathComponent("summary.md")
        try Data("report\n".utf8).write(to: md)
        let r = try comment(["--markdown", md.path, "--pull-request", "7"], stub: stub)
        #expect(r.status == 6, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("HTTP 403") && r.stderr.contains("read-only token"), "\(r.stderr)")
        #expect(r.stderr.contains("attempt 1 of 2 failed (HTTP 503"), "\(r.stderr)")
        #expect(!r.stdout.contains(Self.token) && !r.stderr.contains(Self.token))
        let noToken = try comment(["--markdown", md.path, "--pull-request", "7"], stub: stub, env: ["GITHUB_TOKEN": ""])
        #expect(noToken.status == 6 && noToken.stderrLines.count == 1 && noToken.stderr.contains("no GITHUB_TOKEN"), "\(noToken.stderr)")
    }

    @Test func longReport_isCutUnderTheLimit_withTheArtifactLinked() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try GitHubStub(token: Self.token, in: dir)
        let md = dir.appendingPathComponent("summary.md")
        try Data(String(repeating: "| object/runqlat/sched_switch/tp-btf | latency | +0.1 % |\n", count: 1500).utf8).write(to: md)
        let r = try comment(["--markdown", md.path, "--pull-request", "7"], stub: stub,
                            env: ["GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42"])
        #expect(r.status == 0, "\(r.stderr)")
        let body = try #require(try stub.comments().first?["body"] as? String)
        #expect(body.count <= 65_536 && body.hasPrefix("<!-- bpfgate-comment: bpfgate -->\n| object/"))
        #expect(body.contains("the whole of it: https://github.com/octo/widgets/actions/runs/42"), "\(body.suffix(300))")
    }

    @Test func badInput_oneLine() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try GitHubStub(token: Self.token, in: dir)
        let event = dir.appendingPathComponent("push.json")
        try Data(#"{"ref": "refs/heads/main"}"#.utf8).write(to: event)
        let notVerdict = dir.appendingPathComponent("v.json")
        try Data("{}".utf8).write(to: notVerdict)
        for (args, env, status) in [([String](), [String: String](), Int32(64)), (["--markdown", "/nonexistent.md"], [:], 65),
                                    (["--verdict", notVerdict.path, "--pull-request", "7"], [:], 65),
                                    (["--markdown", notVerdict.path], ["GITHUB_EVENT_PATH": event.path], 65),
                                    (["--markdown", notVerdict.path, "--pull-request", "7"], ["GITHUB_REPOSITORY": "nope"], 64)] {
            let r = try comment(args, stub: stub, env: env)
            #expect(r.status == status && r.stderrLines.count == 1 && r.stderr.hasPrefix("bpfgate: error: "), "\(args): \(r.status) \(r.stderr)")
        }
        #expect(try stub.requests().isEmpty)
    }
}
