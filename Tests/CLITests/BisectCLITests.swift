import Foundation
import Harness
import Testing

/// `bpfgate bisect` on temporary repositories holding a copy of bpf/: the first commit that slowed the demo, and
/// the repository, its HEAD and its worktrees as they were.
enum BisectRepository {
    static let commit = "git -c user.email=t@t -c user.name=t commit -q"

    /// c1 this project's bpf/; c2 adds a README (same objects); c3 slows the demo classifier; c4 adds a comment to the
    /// demo (other objects, same speed); c5 changes the README again. Returns the directory and the five hashes.
    static func fiveCommits() throws -> (URL, [String]) {
        let repo = try GateScriptTests.repository()
        let script = """
            echo notes > README.md && git add README.md && \(commit) -m 'c2 readme' && \
            \(GateScriptTests.slowDown) && \(commit) -am 'c3 slow' && \
            sed -i '1i // a comment that changes nothing measurable' bpf/xdp_demo.bpf.c && \(commit) -am 'c4 comment' && \
            echo more >> README.md && \(commit) -am 'c5 readme' && git rev-list --reverse HEAD
            """
        let r = try GateScriptTests.sh(script, in: repo)
        #expect(r.status == 0, "\(r.stderr)")
        return (repo, r.stdout.split(separator: "\n").map(String.init))
    }

    /// What must be as found: HEAD (and the branch it names), the worktrees, the status, the branches and the stash.
    static func state(_ repo: URL) throws -> String {
        try GateScriptTests.sh("git symbolic-ref HEAD; git rev-parse HEAD; git worktree list --porcelain; git status --porcelain --ignored; git branch -a; git stash list",
                               in: repo).stdout
    }
}

@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to load BPF programs; in CI these never skip"))
struct BisectCLITests {
    @Test func bisect_namesTheThirdOfFiveCommits_repositoryAsFound() throws {
        let (repo, commits) = try BisectRepository.fiveCommits()
        defer { try? FileManager.default.removeItem(at: repo) }
        try #require(commits.count == 5)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try BisectRepository.state(repo), kernel = try KernelState.now()
        let log = dir.appendingPathComponent("bisect.json")
        let r = try GateScriptTests.sh("'\(Invocation.binary)' bisect --good HEAD~4 --quick --json '\(log.path)'", in: repo)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("first bad commit: \(commits[2]) c3 slow\n"), "\(r.stdout)\(r.stderr)")
        // Its A/B row: the demo's latency, slower against good, nearly all of the bad commit's change.
        #expect(r.stdout.contains("  xdp/demo/fib-classifier latency: +"), "\(r.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: log)) as? [String: Any])
        #expect(json["firstBad"] as? [String] == [commits[2]])
        #expect(json["good"] as? String == commits[0] && json["bad"] as? String == commits[4])
        #expect((json["change"] as? Double ?? 0) > 0.05, "the demo's slow-down is ~+20 % here: \(json)")
        let steps = try #require(json["steps"] as? [[String: Any]])
        let byCommit = Dictionary(uniqueKeysWithValues: steps.compactMap { s in (s["commit"] as? String).map { ($0, s) } })
        // c3 timed and placed bad; c2 placed good by its objects' digest, without an A/B.
        #expect(byCommit[commits[2]]?["placement"] as? String == "bad" && byCommit[commits[2]]?["reason"] as? String == "timed")
        let fraction = (byCommit[commits[2]]?["judgement"] as? [String: Any])?["fraction"] as? Double ?? 0
        #expect(fraction > 0.5 && fraction < 1.5, "c3 carries the whole slow-down: \(fraction)")
        #expect(byCommit[commits[1]]?["placement"] as? String == "good")
        #expect(byCommit[commits[1]]?["reason"] as? String == "same objects as \(commits[0].prefix(12))", "\(steps)")
        #expect(byCommit[commits[1]]?["judgement"] == nil)
        #expect(r.stderr.contains("bisect: following xdp/demo/fib-classifier latency: +"), "\(r.stderr)")
        #expect(try BisectRepository.state(repo) == before, "the repository changed")
        #expect(try KernelState.now() == kernel)
    }

    /// Closeness, not significance: c2 changes the demo's objects and nothing else, c3 makes it ~4 % slower, c4 ~20 %
    /// more, c5 changes a README. c3 is timed first and, far closer to good than to bad, placed good (its own change is
    /// significant); c4, with the bad end's objects, is the first bad commit.
    @Test func bisect_placesASmallSlowDownWithGood_namesTheBigOne() throws {
        let repo = try GateScriptTests.repository()
        defer { try? FileManager.default.removeItem(at: repo) }
        let c = BisectRepository.commit
        let made = try GateScriptTests.sh("""
            sed -i '1i // a comment that changes nothing measurable' bpf/xdp_demo.bpf.c && \(c) -am 'c2 comment' && \
            sed -i 's/__u32 spin = cfg ? cfg->extra_work : 0;/__u32 spin = (cfg ? cfg->extra_work : 0) + 12;/' bpf/xdp_fib.h && \
            grep -q 'extra_work : 0) + 12' bpf/xdp_fib.h && \(c) -am 'c3 a little slower' && \
            \(GateScriptTests.slowDown) && \(c) -am 'c4 slow' && echo notes > README.md && git add README.md && \(c) -m 'c5 readme' && \
            git rev-list --reverse HEAD
            """, in: repo)
        let commits = made.stdout.split(separator: "\n").map(String.init)
        try #require(made.status == 0 && commits.count == 5, "\(made.stderr)")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("bisect.json")
        let r = try GateScriptTests.sh("'\(Invocation.binary)' bisect --good HEAD~4 --quick --json '\(log.path)'", in: repo)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("first bad commit: \(commits[3]) c4 slow\n"), "\(r.stdout)\(r.stderr)")
        let steps = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: log)) as? [String: Any])?["steps"] as? [[String: Any]])
        let small = try #require(steps.first { $0["commit"] as? String == commits[2] }, "c3 was not placed: \(steps)")
        let judgement = small["judgement"] as? [String: Any] ?? [:]
        let (ratio, fraction) = (judgement["ratio"] as? Double ?? 0, judgement["fraction"] as? Double ?? 1)
        #expect(small["placement"] as? String == "good" && small["reason"] as? String == "timed", "\(small)")
        #expect(ratio > 1.01 && fraction < 0.4, "c3 is slower, but much closer to good: ratio \(ratio), fraction \(fraction)")
        // c4's objects are the bad end's (c5 changes a README): placed with it, untimed.
        #expect(steps.first { $0["commit"] as? String == commits[3] }?["reason"] as? String == "same objects as \(commits[4].prefix(12))", "\(steps)")
    }

    /// Stopped while it builds (0.7 s in) or while it times (8 s in): the repository, /tmp and the kernel as found.
    @Test(arguments: [(SIGINT, 0.7), (SIGTERM, 8.0)])
    func bisect_stopped_leavesRepositoryAndKernelAsFound(sig: Int32, after: Double) throws {
        let (repo, _) = try BisectRepository.fiveCommits()
        defer { try? FileManager.default.removeItem(at: repo) }
        let before = try BisectRepository.state(repo), kernel = try KernelState.now()
        func scratch() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("bpfgate-ab-") || $0.hasPrefix("bpfgate-bisect-") })
        }
        let tmp = try scratch()
        let r = Shell.run([Invocation.binary, "bisect", "--good", "HEAD~4", "--quick"], workingDirectory: repo.path, signal: sig, after: after)
        #expect(r.status == 128 + sig, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(try BisectRepository.state(repo) == before, "the repository changed")
        #expect(try scratch() == tmp, "a build directory was left behind")
        let now = try KernelState.settled(like: kernel)
        #expect(now == kernel, "before: \(kernel); after: \(now)")
    }
}

/// Bad input: one line on stderr, nothing on stdout, and its exit code, before anything is timed (no root needed).
@Suite struct BisectInputTests {
    @Test func bisect_badInput_oneLineAndItsExitCode() throws {
        let repo = try GateScriptTests.repository()
        defer { try? FileManager.default.removeItem(at: repo) }
        let notRepo = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: notRepo) }
        let readme = try GateScriptTests.sh("echo notes > README.md && git add README.md && \(BisectRepository.commit) -m readme", in: repo)
        #expect(readme.status == 0, "\(readme.stderr)")
        let bin = "'\(Invocation.binary)' bisect"
        let cases: [(String, URL, Int32, String)] = [
            ("\(bin) --good HEAD", notRepo, 64, "bisect needs to run inside the git repository"),
            ("\(bin) --good nosuch", repo, 64, "--good 'nosuch' is not a commit of"),
            ("\(bin) --good HEAD~1 --bad nosuch", repo, 64, "--bad 'nosuch' is not a commit of"),
            ("\(bin) --good HEAD", repo, 64, "--good and --bad are the same commit"),
            ("\(bin) --good HEAD --bad HEAD~1", repo, 64, "is not an ancestor of --bad"),
            ("\(bin) --good HEAD~1 --rounds 0", repo, 64, "--rounds must be 1...10"),
            ("\(bin) --good HEAD~1 --benchmark '('", repo, 64, "is not a valid regular expression"),
            ("\(bin) --good HEAD~1 --quick --profile gate", repo, 64, "give --quick or --profile, not both"),
            // A README between them: the same objects on both ends, nothing to time.
            ("\(bin) --good HEAD~1", repo, 65, "build byte-identical objects"),
        ]
        for (command, dir, status, message) in cases {
            let r = try GateScriptTests.sh(command, in: dir)
            #expect(r.status == status, "\(command): \(r.stderr)")
            Self.expectOneError(r, message, command)
        }
        // A good end that does not build: exit 3, naming it.
        let broken = try GateScriptTests.sh("""
            echo 'int broken(' >> bpf/xdp_demo.bpf.c && \(BisectRepository.commit) -am broken && \
            git -c user.email=t@t -c user.name=t revert --no-edit HEAD >/dev/null && git rev-parse HEAD~1
            """, in: repo)
        #expect(broken.status == 0, "\(broken.stderr)")
        let r = try GateScriptTests.sh("\(bin) --good HEAD~1", in: repo)
        #expect(r.status == 3, "\(r.stderr)")
        Self.expectOneError(r, "--good \(broken.stdout.prefix(12)) does not build: compiling", "broken good")
        // No worktree, branch or file left; HEAD on its branch.
        let after = try GateScriptTests.sh("git symbolic-ref HEAD; git worktree list | wc -l; git branch | wc -l; git status --porcelain --ignored", in: repo)
        #expect(after.stdout == "refs/heads/master\n1\n1\n" || after.stdout == "refs/heads/main\n1\n1\n", "\(after.stdout)")
    }

    /// --good on a merged side branch: the merge would take the blame for the main line's commits since the fork.
    @Test func bisect_goodOnAMergedBranch_isRefused() throws {
        let repo = try GateScriptTests.repository()
        defer { try? FileManager.default.removeItem(at: repo) }
        let git = "git -c user.email=t@t -c user.name=t"
        let made = try GateScriptTests.sh("""
            git checkout -q -b side && echo s > SIDE.md && git add SIDE.md && \(git) commit -qm side && git checkout -q - && \
            echo m > MAIN.md && git add MAIN.md && \(git) commit -qm main && \(git) merge -q --no-ff -m merge side
            """, in: repo)
        #expect(made.status == 0, "\(made.stderr)")
        let r = try GateScriptTests.sh("'\(Invocation.binary)' bisect --good side", in: repo)
        #expect(r.status == 64, "\(r.stderr)")
        Self.expectOneError(r, "is not on --bad", "merged side branch")
    }

    /// Ctrl-C while the project's build runs: the build (its whole process group) stops too, and nothing is left.
    @Test func bisect_stoppedDuringTheProjectsBuild_stopsTheBuild() throws {
        let (repo, _) = try BisectRepository.fiveCommits()
        defer { try? FileManager.default.removeItem(at: repo) }
        let marker = "37.\(getpid() % 1000)"
        var child: pid_t = 0
        let r = Shell.run([Invocation.binary, "bisect", "--good", "HEAD~4", "--build", "sleep \(marker) & sleep \(marker); wait", "--objects-dir", "out"],
                          workingDirectory: repo.path, signal: SIGINT, after: 1.5) { child = $0 }
        #expect(r.status == 128 + SIGINT, "\(r.stderr)")
        usleep(200_000)
        #expect(Shell.run(["pgrep", "-f", "sleep \(marker)"]).output.isEmpty, "the build went on after bpfgate stopped")
        let left = try GateScriptTests.sh("git worktree list | wc -l; git status --porcelain --ignored; ls -d \(NSTemporaryDirectory())/bpfgate-bisect-\(child)-* 2>/dev/null || true", in: repo)
        #expect(left.stdout == "1\n", "\(left.stdout)")
    }

    /// Nothing on stdout; on stderr one error line, the last (builds before it may say what they build).
    static func expectOneError(_ r: Invocation, _ message: String, _ what: String) {
        let errors = r.stderrLines.filter { $0.hasPrefix("bpfgate: error:") }
        #expect(r.stdout.isEmpty && errors.count == 1 && r.stderrLines.last.map { $0.contains(message) } == true, "\(what): \(r.stderr)")
        #expect(r.stderrLines.allSatisfy { $0.hasPrefix("bpfgate: error:") || $0.hasPrefix("bisect: building ") }, "\(what): \(r.stderr)")
    }
}
