import Foundation
import Harness
import Results
import Suites
import Testing

/// Runs the built `bpfgate` binary (next to the test bundle, or $BPFGATE_BIN) and captures what it says.
struct Invocation {
    let status: Int32
    let stdout: String
    let stderr: String
    var stderrLines: [Substring] { stderr.split(separator: "\n") }

    static var binary: String {
        if let bin = ProcessInfo.processInfo.environment["BPFGATE_BIN"] { return bin }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return dir.appendingPathComponent("bpfgate").path
    }

    /// Runs with `args`; when `signal` is set, sends it that many seconds after start. Both pipes are read at
    /// once (`Shell.run`, the product's own way to run a child).
    static func run(_ args: [String], signal: Int32? = nil, after delay: Double = 0, environment: [String: String] = [:]) throws -> Invocation {
        let r = Shell.run([binary] + args, environment: environment, signal: signal, after: delay)
        if r.status == 127 && r.stdout.isEmpty && !FileManager.default.isExecutableFile(atPath: binary) {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: binary])
        }
        return Invocation(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }
}

func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-cli-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

@Suite struct UsageTests {
    @Test(arguments: [
        ["--bogus"], ["run", "--samples", "1"], ["run", "--filter", "("], ["run", "--suite", "nope"],
        ["run", "--sizes", "12,abc"], ["run", "--batch", "0"], ["run", "--timeout", "-1"], ["run", "--sizes", "64", "--batch", "100"],
        ["run", "--output", "/nonexistent-dir/bmf.json"], ["run", "--testbed", "Bad Name"], ["list", "--filter", "no-such-benchmark"],
        ["frobnicate"], ["run", "--load", "cpu:180"], ["run", "--load", "disk:5"], ["run", "--plan", "/tmp/p.json", "--samples", "5"],
    ])
    func badUsage_oneLineAndExit64(args: [String]) throws {
        let r = try Invocation.run(args)
        #expect(r.status == 64, "\(args): \(r.stderr)")
        #expect(r.stderrLines.count == 1, "\(args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("bpfgate: error: "))
        #expect(r.stdout.isEmpty)
    }

    @Test func help_and_version_exitZero() throws {
        let help = try Invocation.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("run") && help.stdout.contains("doctor") && help.stdout.contains("list"))
        let version = try Invocation.run(["--version"])
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test func list_json_namesEveryBenchmarkOnce() throws {
        let r = try Invocation.run(["list", "--json", "--sizes", "1024,65536", "--suite", "user-maps"])
        #expect(r.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]])
        let names = rows.compactMap { $0["benchmark"] }
        #expect(names.count == 7 * 2 * 11)  // per type x size: empty, full, 7 operations, 2 references
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { Naming.problem(withBenchmark: $0) == nil })
        #expect(names.contains("user/map/hash-noprealloc/65536/batch-lookup"))
        #expect(rows.first { $0["benchmark"] == "user/map/hash/1024/full" }?["measure"] == "memlock-bytes")
    }
}

/// In CI (CI=true or 1) privileged tests never skip; elsewhere they need root.
let privilegedTestsEnabled = ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "") || geteuid() == 0

/// Commands that create maps and load programs: root here and in CI (never skipped in CI).
@Suite(.serialized, .enabled(if: privilegedTestsEnabled,
                             "needs root to create BPF maps; in CI these never skip"))
struct PrivilegedCLITests {
    static let small = ["--sizes", "64", "--batch", "16", "--samples", "3", "--warmup", "1"]

    @Test func run_writesStrictBMFAndTheResultsFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bmf = dir.appendingPathComponent("bmf.json").path, results = dir.appendingPathComponent("results.json").path
        let r = try Invocation.run(["run"] + Self.small + ["--filter", "/(hash|array)/64/", "--output", bmf, "--results", results])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty, "stdout must carry nothing when --output is given")
        #expect(r.stderr.contains("user/map/hash/64/update"), "the table goes to stderr")
        let doc = try BMF.decode(try Data(contentsOf: URL(fileURLWithPath: bmf)), path: bmf)
        let file = try ResultsCodec.read(path: results)
        let okNames = file.benchmarks.filter { $0.measures.contains { $0.status == .ok } }.map(\.name)
        #expect(doc.keys.sorted() == okNames.sorted())
        #expect(doc["user/map/array/64/delete"] == nil)
        #expect(file.benchmarks.first { $0.name == "user/map/array/64/delete" }?.measures[0].status.label == "not-applicable")
        #expect(try #require(doc["user/map/hash/64/update"]?["latency"]).value > 0)
    }

    @Test func run_toStdout_printsOnlyBMF() throws {
        let r = try Invocation.run(["run"] + Self.small + ["--filter", "^user/map/hash/64/lookup$", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let doc = try BMF.decode(Data(r.stdout.utf8), path: "stdout")
        // The group's reference comes with any timed operation: the gate judges by the ratio to it.
        #expect(doc.keys.sorted() == ["user/map/hash/64/lookup", "user/map/hash/64/reference"])
    }

    @Test func timeout_exits3AndWritesNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bmf = dir.appendingPathComponent("bmf.json").path
        let r = try Invocation.run(["run", "--samples", "100000", "--sizes", "1024", "--quiet", "--timeout", "0.5", "--output", bmf])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains("timed out"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func signal_exitsWithSignalCodeAndWritesNothing(sig: Int32) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bmf = dir.appendingPathComponent("bmf.json").path
        let r = try Invocation.run(["run", "--samples", "100000", "--sizes", "1024", "--quiet", "--output", bmf], signal: sig, after: 0.5)
        #expect(r.status == 128 + sig, "\(r.stderr)")
        #expect(r.stderrLines.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func doctor_json_answersEveryArea() throws {
        let r = try Invocation.run(["doctor", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]])
        #expect(Set(rows.compactMap { $0["area"] }) == ["privilege", "machine", "kernel", "map", "program", "hook"])
        #expect(rows.allSatisfy { ["ok", "unsupported", "missing", "info"].contains($0["state"] ?? "") })
    }
}

/// Privilege errors: run bpfgate as `nobody` with no capabilities (setpriv) and expect exit 5, one line.
@Suite(.enabled(if: privilegedTestsEnabled,
                "needs root to drop to an unprivileged user; in CI this never skips"))
struct PrivilegeErrorTests {
    /// A copy of the binary that user nobody can execute.
    static func unprivilegedCopy() throws -> (dir: URL, binary: String) {
        let dir = try temporaryDirectory()
        chmod(dir.path, 0o755)
        let copy = dir.appendingPathComponent("bpfgate").path
        try FileManager.default.copyItem(atPath: Invocation.binary, toPath: copy)
        chmod(copy, 0o755)
        return (dir, copy)
    }

    static let dropAll = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]

    @Test(arguments: [["run", "--sizes", "64", "--batch", "16"], ["doctor"]])
    func withoutCapabilities_exits5NamingWhatIsMissing(args: [String]) throws {
        let (dir, copy) = try Self.unprivilegedCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = Shell.run(["/usr/bin/setpriv"] + Self.dropAll + [copy] + args, workingDirectory: dir.path)
        let (stdout, stderr) = (r.stdout, r.stderr)
        #expect(r.status == 5, "\(stderr)")
        #expect(stderr == "bpfgate: error: creating BPF maps needs CAP_BPF, which this process lacks; run as root or grant them\n")
        if args[0] == "doctor" {
            #expect(stdout.contains("CAP_BPF                  missing"))
            #expect(!stdout.contains(" unsupported "), "a missing privilege is not an unsupported feature")
        } else {
            #expect(stdout.isEmpty)
        }
    }
}
