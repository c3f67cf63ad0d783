import ArgumentParser
import Configuration
import Foundation
import Harness
import Results
import Suites

/// Builds the BPF objects of another git revision for `check --ab REF` (and `--ab-head REF`): a temporary
/// `git worktree` of REF, each `bpf/*.bpf.c` compiled with the flags the build plugin uses (clang -g -O2 -Wall
/// -Werror -target bpf -D__TARGET_ARCH_<arch> -I bpf -I <multiarch include> -ffile-prefix-map), into a temporary directory. REF `.`
/// is the working tree as it is, uncommitted changes included (the pre-commit hook). The worktree and the
/// directory are removed on every exit path; nothing git tracks is written.
///
/// With a build recipe (`--build CMD --objects-dir DIR`, or bpfgate.json's `build`), the project builds its own
/// objects: CMD runs with `sh -c` at the top of a temporary worktree of REF (for `.`, a worktree of HEAD with the
/// working tree's changes applied, untracked files copied: the user's tree is never built in), and the `*.o` files it
/// leaves in DIR are the objects.
enum ObjectBuilder {
    /// `checkout`: where the worktree goes (default: beside the objects). `bisect` checks every commit out at one path,
    /// so that a build that writes its paths into the objects (DWARF, BTF line info) writes the same ones.
    static func build(revision: String, recipe: BuildRecipe? = nil, checkout: String? = nil, progress: (String) -> Void) throws -> String {
        let top = Shell.run(["git", "rev-parse", "--show-toplevel"]).output
        guard !top.isEmpty else {
            throw BuildError(status: .usage, message: "--ab needs to run inside the git repository of the BPF sources")
        }
        guard revision == "." || Shell.run(["git", "-C", top, "rev-parse", "--verify", "--quiet", "\(revision)^{commit}"]).status == 0 else {
            throw BuildError(status: .usage, message: "--ab '\(revision)' is not a commit of \(top)")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-ab-\(getpid())-\(UUID().uuidString.prefix(8))").path
        // bpfgate's own compile reads the working tree in place; a project's build runs in a checkout of its own.
        let inPlace = revision == "." && recipe == nil
        let tree = inPlace ? top : checkout ?? "\(work)/tree", out = "\(work)/objects"
        // The objects stay until bpfgate exits; the worktree goes as soon as they are built (bisect builds many).
        _ = try Cleanup.shared.change("remove the --ab objects", {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        }, undo: { _ in try? FileManager.default.removeItem(atPath: work) })
        var worktree: Int?
        if !inPlace {
            worktree = try Cleanup.shared.change("remove the --ab worktree", {
                let r = Shell.run(["git", "-C", top, "worktree", "add", "--detach", "--quiet", tree, revision == "." ? "HEAD" : revision])
                if r.status != 0 { throw BuildError(status: .benchmarkFailed, message: "git worktree add failed: \(Text.oneLine(r.error))") }
            }, undo: { _ in
                // The worktree's entry in the repository (its .git file names it), for when `worktree remove` fails:
                // an entry left behind would refuse the next `worktree add` at this path.
                let entry = (try? String(contentsOfFile: "\(tree)/.git", encoding: .utf8)).flatMap { text in
                    text.hasPrefix("gitdir: ") ? String(text.dropFirst(8)).trimmingCharacters(in: .whitespacesAndNewlines) : nil
                }
                if Shell.run(["git", "-C", top, "worktree", "remove", "--force", tree]).status != 0 {
                    try? FileManager.default.removeItem(atPath: tree)
                    if let entry, entry.contains("/worktrees/") { try? FileManager.default.removeItem(atPath: entry) }
                }
            }).token
        }
        defer { if let worktree { Cleanup.shared.run(worktree) } }
        return try compile(revision: revision, recipe: recipe, top: top, tree: tree, out: out, progress: progress)
    }

    /// Builds `tree`'s objects into `out`: the project's recipe, else bpf/*.bpf.c with the plugin's flags.
    private static func compile(revision: String, recipe: BuildRecipe?, top: String, tree: String, out: String, progress: (String) -> Void) throws -> String {
        if let recipe {
            if revision == "." { try copyWorkingChanges(from: top, to: tree) }
            return try runRecipe(recipe, revision: revision, tree: tree, into: out, progress: progress)
        }
        let clang = try findClang()
        progress("building \(revision)'s bpf/ with \(clang)")
        let sources = ((try? FileManager.default.contentsOfDirectory(atPath: "\(tree)/bpf")) ?? []).filter { $0.hasSuffix(".bpf.c") }.sorted()
        if sources.isEmpty { throw BuildError(status: .benchmarkFailed, message: "\(revision) has no bpf/*.bpf.c", unbuildable: true) }
        #if arch(arm64)
        let (arch, multiarch) = ("arm64", "/usr/include/aarch64-linux-gnu")
        #else
        let (arch, multiarch) = ("x86", "/usr/include/x86_64-linux-gnu")
        #endif
        for source in sources {
            let stem = String(source.dropLast(".bpf.c".count))
            let r = Shell.runStoppable([clang, "-g", "-O2", "-Wall", "-Werror", "-target", "bpf", "-D__TARGET_ARCH_\(arch)", "-I", "\(tree)/bpf", "-I", multiarch,
                           "-ffile-prefix-map=\(tree)=.", "-c", "\(tree)/bpf/\(source)", "-o", "\(out)/\(stem).bpf.o"])
            if r.status != 0 {
                let line = r.error.split(separator: "\n").first { $0.contains("error") }.map(String.init) ?? r.error
                throw BuildError(status: .benchmarkFailed, message: "compiling \(revision):bpf/\(source) failed: \(line)", unbuildable: true)
            }
        }
        return out
    }

    /// The working tree's changes to HEAD (staged or not) applied to `tree`, a worktree of HEAD, and its untracked files
    /// (not ignored) copied in.
    static func copyWorkingChanges(from top: String, to tree: String) throws {
        let diff = Shell.run(["git", "-C", top, "diff", "HEAD", "--binary"])
        if diff.status != 0 { throw BuildError(status: .benchmarkFailed, message: "git diff HEAD failed: \(Text.oneLine(diff.error))") }
        if !diff.output.isEmpty {
            let patch = "\(tree).patch"
            try Data((diff.stdout.hasSuffix("\n") ? diff.stdout : diff.stdout + "\n").utf8).write(to: URL(fileURLWithPath: patch))
            defer { try? FileManager.default.removeItem(atPath: patch) }
            let r = Shell.run(["git", "-C", tree, "apply", "--binary", "--whitespace=nowarn", patch])
            if r.status != 0 { throw BuildError(status: .benchmarkFailed, message: "applying the working tree's changes failed: \(Text.oneLine(r.error))") }
        }
        let untracked = Shell.run(["git", "-C", top, "ls-files", "--others", "--exclude-standard"])
        for file in untracked.stdout.split(separator: "\n").map(String.init) where !file.isEmpty {
            let target = URL(fileURLWithPath: tree).appendingPathComponent(file)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(atPath: URL(fileURLWithPath: top).appendingPathComponent(file).path, toPath: target.path)
        }
    }

    /// Runs the project's build command in `tree` and copies the `*.o` files it leaves in the recipe's folder to `out`.
    static func runRecipe(_ recipe: BuildRecipe, revision: String, tree: String, into out: String, progress: (String) -> Void) throws -> String {
        progress("building \(revision == "." ? "the working tree" : revision) with '\(recipe.command)'")
        let r = Shell.runStoppable(["/bin/sh", "-c", recipe.command], environment: ["BPFGATE_REVISION": revision], workingDirectory: tree)
        if r.status != 0 {
            let lines = (r.stderr + "\n" + r.stdout).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let line = lines.first { $0.contains("error") } ?? lines.last ?? "no output"
            throw BuildError(status: .benchmarkFailed, message: "building \(revision) with '\(recipe.command)' failed (exit \(r.status)): \(Text.oneLine(line))", unbuildable: true)
        }
        let folder = URL(fileURLWithPath: tree).appendingPathComponent(recipe.objects).path
        let objects = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".o") }.sorted()
        if objects.isEmpty {
            throw BuildError(status: .benchmarkFailed, message: "building \(revision) with '\(recipe.command)' left no *.o in \(recipe.objects)/", unbuildable: true)
        }
        for name in objects { try FileManager.default.copyItem(atPath: "\(folder)/\(name)", toPath: "\(out)/\(name)") }
        return out
    }

    /// $BPFGATE_CLANG, else clang on PATH, else the Swift toolchain's.
    static func findClang() throws -> String {
        if let c = ProcessInfo.processInfo.environment["BPFGATE_CLANG"] { return c }
        let onPath = Shell.run(["sh", "-c", "command -v clang"]).output
        if !onPath.isEmpty { return onPath }
        if FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/clang") { return "/opt/swift/usr/bin/clang" }
        throw BuildError(status: .missingPrivilegeOrFeature, message: "building another revision's BPF objects needs clang with the BPF target (set BPFGATE_CLANG or put clang on PATH)")
    }
}

extension RunRequest {
    /// Your objects are named by the paths the build writes them to; this request takes them from `directory`, a
    /// build's copies, instead. `keepExisting`: a path that exists stays (`check --ab`'s head is the working tree,
    /// whose own build is what you would run; a fresh clone has not built it).
    func objects(builtIn directory: String, keepExisting: Bool) -> RunRequest {
        func built(_ path: String) -> String {
            let copy = URL(fileURLWithPath: directory).appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent).path
            if keepExisting && FileManager.default.fileExists(atPath: path) { return path }
            return FileManager.default.fileExists(atPath: copy) ? copy : path
        }
        var moved = self
        moved.objectFiles = objectFiles.map(built)
        moved.objectDeclarations = objectDeclarations.map { d in
            var m = d
            m.object = built(d.object)
            return m
        }
        return moved
    }
}

/// `--build CMD --objects-dir DIR`: the project's own build of a revision's objects (`check --ab`, `bisect`).
struct BuildOptions: ParsableArguments {
    @Option(help: "Your project's build command, run with sh at the top of a temporary checkout of each revision (default: bpfgate.json's build.command; without one, bpfgate compiles bpf/*.bpf.c itself).")
    var build: String?

    @Option(help: "Where --build leaves the objects, relative to the top of the repository (bpfgate.json: build.objects).")
    var objectsDir: String?

    func validate() throws {
        if (build == nil) != (objectsDir == nil) { throw ValidationError("give --build and --objects-dir together") }
        if let objectsDir, let problem = BuildRecipe.problem(withObjects: objectsDir) { throw ValidationError("--objects-dir \(problem)") }
        if build?.isEmpty == true { throw ValidationError("--build is empty") }
    }

    /// The flags' recipe, else the configuration's `build`, else none (bpfgate compiles bpf/*.bpf.c).
    func recipe(config: GateConfig) -> BuildRecipe? {
        build.map { BuildRecipe(command: $0, objects: objectsDir ?? "") } ?? config.build
    }
}

struct BuildError: Error, CustomStringConvertible, ExitStatusProviding {
    let status: ExitStatus
    let message: String
    /// The revision itself does not build (its compile or build command failed, or it has nothing to build), as
    /// opposed to git or the machine failing: `bisect` skips such a commit.
    var unbuildable = false
    var description: String { message }
    var exitStatus: ExitStatus { status }
}
