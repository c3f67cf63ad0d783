import Foundation
import Harness
import Testing

/// A project that builds its objects its own way (ci/example-make: a Makefile with include paths and flags bpfgate's
/// default lacks, declared in its bpfgate.json): `check --ab REF`, ci/gate.sh and the pre-commit hook run its build in
/// temporary worktrees, catch the commit that slows its program and pass one that changes nothing.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to load BPF programs; in CI these never skip"))
struct BuildRecipeTests {
    static let project = GateScriptTests.project
    static let example = project.appendingPathComponent("ci/example-make")
    /// The Makefile's compiler: clang on PATH, else the Swift toolchain's.
    static let clang = Shell.run(["sh", "-c", "command -v clang || echo /opt/swift/usr/bin/clang"]).output
    static let only = ["--suite", "objects", "--filter", "/test-run/", "--samples", "30"]

    static func sh(_ script: String, in dir: URL) throws -> Invocation {
        try GateScriptTests.sh(script, in: dir, env: ["CLANG": clang, "BPFGATE": Invocation.binary])
    }

    static func check(_ args: [String], in dir: URL) -> Invocation {
        let r = Shell.run([Invocation.binary, "check"] + args, environment: ["CLANG": clang], workingDirectory: dir.path)
        return Invocation(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// A repository of the example project: a fast commit, then one that hashes 64 header bytes instead of 4.
    static func repository() throws -> URL {
        let dir = try temporaryDirectory()
        for item in try FileManager.default.contentsOfDirectory(atPath: example.path) where item != "build" {
            try FileManager.default.copyItem(at: example.appendingPathComponent(item), to: dir.appendingPathComponent(item))
        }
        let git = "git -c user.email=t@t -c user.name=t"
        let r = try sh("git init -q && git add -A && \(git) commit -qm fast && sed -i 's/HASH_STEPS 4$/HASH_STEPS 64/' include/steps.h"
                       + " && \(git) commit -qam slow", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        return dir
    }

    static func verdicts(_ path: String) throws -> [String: String] {
        let findings = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])?["findings"] as? [[String: Any]])
        return Dictionary(findings.compactMap { f in (f["benchmark"] as? String).map { ($0, f["verdict"] as? String ?? "") } }) { a, _ in a }
    }

    @Test func abWithTheProjectsBuild_catchesTheSlowCommit_passesAnUnchangedOne() throws {
        let before = try KernelState.now()
        let repo = try Self.repository()
        defer { try? FileManager.default.removeItem(at: repo) }
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        // bpfgate's own compile (bpf/*.bpf.c, -I bpf) cannot build this project; a build that leaves no object says so.
        let plainConfig = out.appendingPathComponent("plain.json")
        try Data(#"{"objects": [{"object": "\#(repo.path)/build/steps.bpf.o", "program": "xdp_steps"}]}"#.utf8).write(to: plainConfig)
        let plain = Self.check(["--ab", "HEAD~1", "--config", plainConfig.path] + Self.only, in: repo)
        #expect(plain.status == 3 && plain.stderr.contains("has no bpf/*.bpf.c"), "\(plain.stderr)")
        let empty = Self.check(["--ab", "HEAD~1", "--build", "true", "--objects-dir", "build"] + Self.only, in: repo)
        #expect(empty.status == 3 && empty.stderr.contains("left no *.o in build/"), "\(empty.stderr)")

        let slow = Self.check(["--ab", "HEAD~1", "--verdict", out.appendingPathComponent("slow.json").path] + Self.only, in: repo)
        #expect(slow.status == 2, "\(slow.stdout)\(slow.stderr)")
        #expect(slow.stderr.contains("building HEAD~1 with 'make'") && slow.stderr.contains("building the working tree with 'make'"), "\(slow.stderr)")
        let found = try Self.verdicts(out.appendingPathComponent("slow.json").path)
        #expect(found.count == 8 && found.values.allSatisfy { $0 == "regression" }, "\(found)")

        let neutral = try Self.sh("echo notes > NOTES.md && git add NOTES.md && git -c user.email=t@t -c user.name=t commit -qm notes", in: repo)
        #expect(neutral.status == 0)
        let same = Self.check(["--ab", "HEAD~1", "--verdict", out.appendingPathComponent("same.json").path] + Self.only, in: repo)
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let unchanged = try Self.verdicts(out.appendingPathComponent("same.json").path)
        #expect(unchanged.count == 8 && unchanged.values.allSatisfy { $0 == "unchanged" }, "\(unchanged)")

        // ci/gate.sh: the merge base (here the fast commit) against HEAD, with the same build.
        let gate = try Self.sh("GATE_BASE=HEAD~2 GATE_OUT=\(out.path)/gate \(Self.project.path)/ci/gate.sh \(Self.only.joined(separator: " "))", in: repo)
        #expect(gate.status == 2, "\(gate.stdout)\(gate.stderr)")

        // Nothing was built in the repository, no worktree was left behind.
        let status = try Self.sh("git status --porcelain --ignored; git worktree list | wc -l", in: repo)
        #expect(status.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(status.stdout)")
        #expect(try KernelState.settled(like: before) == before)
    }

    /// `bisect` with the project's build: a commit that does not build is skipped, commits whose build gives the same
    /// bytes (every worktree is checked out at one path) are placed by digest, and with the skipped commit right before
    /// the slow one the answer is both of them.
    @Test func bisectWithTheProjectsBuild_skipsACommitThatDoesNotBuild() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for item in try FileManager.default.contentsOfDirectory(atPath: Self.example.path) where item != "build" {
            try FileManager.default.copyItem(at: Self.example.appendingPathComponent(item), to: dir.appendingPathComponent(item))
        }
        let git = "git -c user.email=t@t -c user.name=t"
        let made = try Self.sh("""
            git init -q && git add -A && \(git) commit -qm fast && echo n > NOTES.md && git add NOTES.md && \(git) commit -qm notes && \
            echo 'int broken(' >> include/steps.h && \(git) commit -qam broken && \
            sed -i '$ d' include/steps.h && sed -i 's/HASH_STEPS 4$/HASH_STEPS 64/' include/steps.h && \(git) commit -qam slow && \
            echo m >> NOTES.md && \(git) commit -qam notes2 && git rev-list --reverse HEAD
            """, in: dir)
        let commits = made.stdout.split(separator: "\n").map(String.init)
        try #require(made.status == 0 && commits.count == 5, "\(made.stderr)")
        let state = "git rev-parse HEAD; git worktree list | wc -l; git status --porcelain --ignored"
        let repoBefore = try Self.sh(state, in: dir).stdout
        let log = dir.deletingLastPathComponent().appendingPathComponent("\(dir.lastPathComponent).json")
        defer { try? FileManager.default.removeItem(at: log) }
        let r = Shell.run([Invocation.binary, "bisect", "--good", "HEAD~4", "--json", log.path] + Self.only, environment: ["CLANG": Self.clang],
                          workingDirectory: dir.path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("the first bad commit is one of 2 (the others could not be placed):\n  \(commits[2].prefix(12)) broken: skipped, does not build: building"),
                "\(r.stdout)")
        #expect(r.stdout.contains("  \(commits[3].prefix(12)) slow: bad, "), "\(r.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: log)) as? [String: Any])
        #expect(json["firstBad"] as? [String] == [commits[2], commits[3]])
        let reasons = (json["steps"] as? [[String: Any]] ?? []).map { "\($0["placement"] ?? "") \($0["reason"] ?? "")" }
        #expect(reasons.count == 5 && reasons[1] == "good same objects as \(commits[0].prefix(12))" && reasons[2].hasPrefix("skipped does not build"), "\(reasons)")
        #expect(try Self.sh(state, in: dir).stdout == repoBefore)
        #expect(try KernelState.settled(like: before) == before)
    }

    @Test func preCommitHook_buildsTheWorkingTreeWithTheProjectsBuild() throws {
        let repo = try Self.repository()
        defer { try? FileManager.default.removeItem(at: repo) }
        let clean = try Self.sh("\(Self.project.path)/ci/pre-commit", in: repo)
        #expect(clean.status == 0, "nothing changed: nothing to judge")
        let slower = try Self.sh("sed -i 's/HASH_STEPS 64$/HASH_STEPS 256/' include/steps.h", in: repo)
        #expect(slower.status == 0)
        let r = try Self.sh("\(Self.project.path)/ci/pre-commit", in: repo)
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        let status = try Self.sh("git status --porcelain --ignored", in: repo)
        #expect(status.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "M include/steps.h", "the hook wrote files git sees")
    }

    @Test func aFailingBuild_oneLine() throws {
        let repo = try Self.repository()
        defer { try? FileManager.default.removeItem(at: repo) }
        let r = Self.check(["--ab", "HEAD~1", "--build", "echo 'steps.c:1: error: broken' >&2; exit 7", "--objects-dir", "build"] + Self.only, in: repo)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("failed (exit 7): steps.c:1: error: broken"), "\(r.stderr)")
        let absolute = Self.check(["--ab", "HEAD~1", "--build", "make", "--objects-dir", "/tmp"], in: repo)
        #expect(absolute.status == 64, "\(absolute.stderr)")
        let worktrees = try Self.sh("git worktree list | wc -l", in: repo)
        #expect(worktrees.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }
}
