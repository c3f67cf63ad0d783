import Foundation
import Harness
import Results
import Suites

/// Builds the BPF objects of another git revision for `check --ab REF` (and `--ab-head REF`): a temporary
/// `git worktree` of REF, each `bpf/*.bpf.c` compiled with the flags the build plugin uses (clang -g -O2 -Wall
/// -Werror -target bpf -D__TARGET_ARCH_<arch> -I bpf -ffile-prefix-map), into a temporary directory. REF `.`
/// is the working tree as it is, uncommitted changes included (the pre-commit hook). The worktree and the
/// directory are removed on every exit path; nothing git tracks is written.
enum ObjectBuilder {
    static func build(revision: String, progress: (String) -> Void) throws -> String {
        let top = Shell.run(["git", "rev-parse", "--show-toplevel"]).output
        guard !top.isEmpty else {
            throw BuildError(status: .usage, message: "--ab needs to run inside the git repository of the BPF sources")
        }
        guard revision == "." || Shell.run(["git", "-C", top, "rev-parse", "--verify", "--quiet", "\(revision)^{commit}"]).status == 0 else {
            throw BuildError(status: .usage, message: "--ab '\(revision)' is not a commit of \(top)")
        }
        let clang = try findClang()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-ab-\(getpid())-\(UUID().uuidString.prefix(8))").path
        let tree = revision == "." ? top : "\(work)/tree", out = "\(work)/objects"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        _ = try Cleanup.shared.change("remove the --ab worktree", {
            if revision == "." { return }
            let r = Shell.run(["git", "-C", top, "worktree", "add", "--detach", "--quiet", tree, revision])
            if r.status != 0 { throw BuildError(status: .benchmarkFailed, message: "git worktree add failed: \(r.error)") }
        }, undo: { _ in
            if revision != "." { _ = Shell.run(["git", "-C", top, "worktree", "remove", "--force", tree]) }
            try? FileManager.default.removeItem(atPath: work)
        })
        progress("--ab: building \(revision)'s bpf/ with \(clang)")
        let sources = ((try? FileManager.default.contentsOfDirectory(atPath: "\(tree)/bpf")) ?? []).filter { $0.hasSuffix(".bpf.c") }.sorted()
        if sources.isEmpty { throw BuildError(status: .benchmarkFailed, message: "\(revision) has no bpf/*.bpf.c") }
        #if arch(arm64)
        let arch = "arm64"
        #else
        let arch = "x86"
        #endif
        for source in sources {
            let stem = String(source.dropLast(".bpf.c".count))
            let r = Shell.run([clang, "-g", "-O2", "-Wall", "-Werror", "-target", "bpf", "-D__TARGET_ARCH_\(arch)", "-I", "\(tree)/bpf",
                           "-ffile-prefix-map=\(tree)=.", "-c", "\(tree)/bpf/\(source)", "-o", "\(out)/\(stem).bpf.o"])
            if r.status != 0 {
                let line = r.error.split(separator: "\n").first { $0.contains("error") }.map(String.init) ?? r.error
                throw BuildError(status: .benchmarkFailed, message: "compiling \(revision):bpf/\(source) failed: \(line)")
            }
        }
        return out
    }

    /// $BPFGATE_CLANG, else clang on PATH, else the Swift toolchain's.
    static func findClang() throws -> String {
        if let c = ProcessInfo.processInfo.environment["BPFGATE_CLANG"] { return c }
        let onPath = Shell.run(["sh", "-c", "command -v clang"]).output
        if !onPath.isEmpty { return onPath }
        if FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/clang") { return "/opt/swift/usr/bin/clang" }
        throw BuildError(status: .missingPrivilegeOrFeature, message: "--ab needs clang with the BPF target (set BPFGATE_CLANG or put clang on PATH)")
    }
}

struct BuildError: Error, CustomStringConvertible, ExitStatusProviding {
    let status: ExitStatus
    let message: String
    var description: String { message }
    var exitStatus: ExitStatus { status }
}
