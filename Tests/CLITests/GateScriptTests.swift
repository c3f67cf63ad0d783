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
