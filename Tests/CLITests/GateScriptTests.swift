import Foundation
import Harness
import Suites
import Testing

/// ci/gate.sh and ci/pre-commit on a temporary git repository holding a copy of bpf/: one commit slows
/// the demo classifier (the table replaced by recomputing Fibonacci numbers), and the gate must say so.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to load BPF programs; in CI these never skip"))
struct GateScriptTests {
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func sh(_ script: String, in dir: URL, env: [String: String] = [:]) throws -> Invocation {
        let r = Shell.run(["/bin/bash", "-c", script], environment: env, workingDirectory: dir.path)
        return Invocation(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// A repository whose first commit is this project's bpf/.
    static func repository() throws -> URL {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(at: project.appendingPathComponent("bpf"), to: dir.appendingPathComponent("bpf"))
        let r = try sh("git init -q && git add bpf && git -c user.email=t@t -c user.name=t commit -qm fast", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        return dir
    }

    static let slowDown = "sed -i 's/^#define FIB_TABLE 1$//' bpf/xdp_demo.bpf.c && grep -q FIB_TABLE bpf/xdp_demo.bpf.c && exit 1 || true"

    @Test func gateScript_catchesTheSlowCommit() throws {
        let repo = try Self.repository()
        defer { try? FileManager.default.removeItem(at: repo) }
        let commit = try Self.sh("\(Self.slowDown) && git -c user.email=t@t -c user.name=t commit -qam slow", in: repo)
        #expect(commit.status == 0, "\(commit.stderr)")
        let out = repo.appendingPathComponent("out")
        let r = try Self.sh("\(Self.project.path)/ci/gate.sh --profile quick", in: repo,
                            env: ["BPFGATE": Invocation.binary, "GATE_BASE": "HEAD~1", "GATE_OUT": out.path])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8).hasPrefix("## bpfgate: 1 regression(s)"))
        #expect(try String(contentsOf: out.appendingPathComponent("junit.xml"), encoding: .utf8).contains("<failure type=\"regression\""))
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("<section id=\"comparison\">") && page.contains("regression"))
        let worktrees = try Self.sh("git worktree list | wc -l", in: repo)
        #expect(worktrees.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "a temporary worktree was left behind")
        let status = try Self.sh("git status --porcelain --ignored", in: repo)
        #expect(status.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "!! out/" || status.stdout.contains("?? out/"))
    }

    /// ci/trend.sh (main-branch CI): the first run records a baseline in the history it is given, the next one grows
    /// it, and `trend` over it says the history is too short for a change point yet.
    @Test func trendScript_recordsThenGrowsTheHistory() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let history = dir.appendingPathComponent("history").path, out = dir.appendingPathComponent("out")
        // A 50 % minimum effect: the second run must not regress by chance, so that it is stored.
        try Data(#"{"gate": {"minEffect": 0.5}}"#.utf8).write(to: dir.appendingPathComponent("bpfgate.json"))
        let args = "--config \(dir.path)/bpfgate.json --profile quick --samples 5 --warmup 1 --filter '^user/map/hash/1024/(update|reference)$'"
        let env = ["BPFGATE": Invocation.binary, "BPFGATE_HISTORY": history, "TREND_OUT": out.path]
        func stored() throws -> Int {
            let testbed = try #require(try FileManager.default.contentsOfDirectory(atPath: history).first)
            return try FileManager.default.contentsOfDirectory(atPath: "\(history)/\(testbed)/runs").filter { $0.hasSuffix(".json") }.count
        }
        let first = try Self.sh("\(Self.project.path)/ci/trend.sh \(args)", in: dir, env: env)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stderr.contains("NO BASELINE"))
        let recorded = try stored()
        #expect((3 ... 4).contains(recorded))
        let second = try Self.sh("\(Self.project.path)/ci/trend.sh \(args)", in: dir, env: env)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stderr.contains("baseline: this run is stored"), "\(second.stderr)")
        #expect(try stored() == recorded + 1)
        #expect(second.stdout.contains("trend: the history is too short: its longest series has \(recorded + 1) run(s)"), "\(second.stdout)")
        for file in ["results.json", "verdict.json", "summary.md", "trend.json", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
    }

    @Test func preCommitHook_blocksASlowWorkingTree() throws {
        let repo = try Self.repository()
        defer { try? FileManager.default.removeItem(at: repo) }
        let clean = try Self.sh("\(Self.project.path)/ci/pre-commit", in: repo, env: ["BPFGATE": Invocation.binary])
        #expect(clean.status == 0, "no BPF change: nothing to judge")
        let slow = try Self.sh(Self.slowDown, in: repo)
        #expect(slow.status == 0)
        let r = try Self.sh("\(Self.project.path)/ci/pre-commit", in: repo, env: ["BPFGATE": Invocation.binary])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        let status = try Self.sh("git status --porcelain", in: repo)
        #expect(status.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "M bpf/xdp_demo.bpf.c", "the hook wrote files git sees")
    }
}
