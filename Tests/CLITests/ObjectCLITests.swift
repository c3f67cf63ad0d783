import BPFCatalog
import Foundation
import Harness
import Results
import Testing

/// The example project under ci/example: its object built with its own script, then run as a user would.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to load and attach programs; in CI this never skips"))
struct ObjectCLITests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ci/example")

    /// ci/example/build.sh into ci/example/build (git ignores it), as a user of the example would.
    static func buildExample() throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [example.appendingPathComponent("build.sh").path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "ci/example/build.sh failed")
        return example.appendingPathComponent("build/example.bpf.o").path
    }

    static func commandLeftovers() throws -> String {
        String(decoding: try KernelState.output(["pgrep", "-af", "while :; do uname"]), as: UTF8.self)
            .split(separator: "\n").filter { !$0.contains("pgrep") }.joined(separator: "\n")
    }

    @Test func exampleProject_runsDeclaredAndDerivedPrograms() throws {
        let before = try KernelState.now()
        let object = try Self.buildExample()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.json").path
        let bmf = dir.appendingPathComponent("bmf.json").path
        let r = try Invocation.run(["run", "--config", Self.example.appendingPathComponent("bpfgate.json").path, "--profile", "example",
                                    "--object", object, "--samples", "6", "--quiet", "--results", results, "--output", bmf])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: bmf))
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        let byName = Dictionary(uniqueKeysWithValues: file.benchmarks.map { ($0.name, $0) })
        let mapLeaves = ["empty", "full", "update", "lookup", "lookup-miss", "batch-update", "batch-lookup", "delete", "insert",
                         "reference", "reference-batch"]
        #expect(Set(byName.keys) == Set([
            "object/example/count_uname/tracepoint", "object/example/count_getppid/tracepoint",
            "object/example/count_getppid/tracepoint/reference", "object/example/pass_udp/xdp", "object/example/pass_udp/xdp/reference",
            "object/example/on_my_binary", "object/example/map/packets", "object/example/pass_udp/test-run/reference",
        ] + mapLeaves.map { "object/example/map/calls/\($0)" } + Frames.standard.map { "object/example/pass_udp/test-run/\($0.name)" }))
        // The object's hash map, timed by the user-map suite with its own key and value sizes.
        for leaf in mapLeaves {
            let m = try #require(byName["object/example/map/calls/\(leaf)"]?.measures.first)
            #expect(m.status == .ok && m.samples.count == (leaf == "empty" || leaf == "full" ? 1 : 6), "\(leaf): \(m.status)")
        }
        #expect(byName["object/example/map/calls/update"]?.reference == "object/example/map/calls/reference")
        guard case let .notApplicable(oneEntry)? = byName["object/example/map/packets"]?.measures.first?.status else {
            Issue.record("a one-entry map should be listed as not timed"); return
        }
        #expect(oneEntry.contains("1 entry"))
        func measure(_ name: String, _ m: String) -> MeasureResult? { byName[name]?.measures.first { $0.measure == m } }
        // Derived and declared programs are timed by bpf_stats; generator traffic also gives the overhead.
        for name in ["object/example/count_uname/tracepoint", "object/example/count_getppid/tracepoint", "object/example/pass_udp/xdp"] {
            let latency = try #require(measure(name, "latency"))
            #expect(latency.status == .ok && latency.samples.count == 6, "\(name): \(latency.status)")
        }
        #expect(measure("object/example/count_getppid/tracepoint", "throughput")?.status == .ok)
        #expect(byName["object/example/count_getppid/tracepoint"]?.reference == "object/example/count_getppid/tracepoint/reference")
        // Your command's events cannot be counted: said so, never a zero.
        guard case .notApplicable? = measure("object/example/count_uname/tracepoint", "throughput")?.status else {
            Issue.record("command traffic: \(String(describing: measure("object/example/count_uname/tracepoint", "throughput")))"); return
        }
        guard case let .notApplicable(why)? = measure("object/example/on_my_binary", "latency")?.status else {
            Issue.record("the uprobe should be listed as not derivable"); return
        }
        #expect(why.hasPrefix("not derivable: it probes its own loader (/proc/self/exe:my_function)"), "\(why)")
        #expect(file.run.bpfObjects.contains { $0.name == "example" })
        #expect(try Self.commandLeftovers().isEmpty)
        #expect(try KernelState.settled(like: before) == before)
    }

    /// Programs on syscall tracepoints that getppid() never fires (bpfgate's own test object: openat's and
    /// getpgid's), as `run --object` runs them: each is timed against the counting program attached to its
    /// own tracepoint, under openat or getpgid traffic; both sides run in every window. (With the reference
    /// on getppid's tracepoint, this failed with "4 of 5 windows saw no run of the program".)
    @Test func ownTracepoints_measureAgainstAReferenceOnTheirTarget() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let objects = dir.appendingPathComponent("objects").path
        let export = try Invocation.run(["objects", "export", objects])
        #expect(export.status == 0, "\(export.stderr)")
        let results = dir.appendingPathComponent("results.json").path, bmf = dir.appendingPathComponent("bmf.json").path
        let r = try Invocation.run(["run", "--object", "\(objects)/testcases.bpf.o", "--filter", "/(openat|getpgid)_calls/", "--samples", "5",
                                    "--quiet", "--results", results, "--output", bmf])
        #expect(r.status == 0, "\(r.stderr)")
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        let programs = ["object/testcases/openat_calls/tracepoint", "object/testcases/getpgid_calls/tracepoint"]
        #expect(file.benchmarks.map(\.name) == programs.flatMap { [$0, "\($0)/reference"] })
        for name in programs {
            let b = try #require(file.benchmarks.first { $0.name == name })
            #expect(b.reference == "\(name)/reference")
            for (benchmark, m) in [(name, b.measure("latency")), ("\(name)/reference", file.benchmarks.first { $0.name == "\(name)/reference" }?.measure("latency"))] {
                let latency = try #require(m, "\(benchmark)")
                #expect(latency.status == .ok && latency.samples.count == 5, "\(benchmark): \(latency.status)")
            }
            #expect(b.measure("throughput")?.status == .ok)
        }
        let bmfDoc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bmf))) as? [String: Any])
        #expect(Set(programs).isSubset(of: Set(bmfDoc.keys)))
        #expect(try KernelState.settled(like: before) == before)
    }

    /// The declarations drive the A/B mode: base objects from one directory, head from another. A head
    /// built with 100 extra helper calls per event regresses (exit 2); the same objects pass (exit 0).
    @Test func declarationsDriveAB_slowHeadRegresses_sameHeadPasses() throws {
        let before = try KernelState.now()
        _ = try Self.buildExample()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/bin/bash")
        build.arguments = [Self.example.appendingPathComponent("build.sh").path, dir.path]
        build.environment = ProcessInfo.processInfo.environment.merging(["EXTRA_CFLAGS": "-DEXTRA_WORK=100"]) { $1 }
        try build.run()
        build.waitUntilExit()
        #expect(build.terminationStatus == 0)
        let config = Self.example.appendingPathComponent("bpfgate.json").path
        let base = Self.example.appendingPathComponent("build").path
        let verdict = dir.appendingPathComponent("verdict.json").path
        let select = ["--config", config, "--profile", "example", "--filter", "count_getppid", "--samples", "10"]
        let slow = try Invocation.run(["check", "--base-objects", base, "--head-objects", dir.path, "--verdict", verdict] + select)
        #expect(slow.status == 2, "\(slow.stdout)\(slow.stderr)")
        let findings = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: verdict))) as? [String: Any])?["findings"] as? [[String: Any]])
        #expect(findings.map { $0["benchmark"] as? String } == ["object/example/count_getppid/tracepoint"])
        #expect(findings.first?["verdict"] as? String == "regression")
        let same = try Invocation.run(["check", "--base-objects", base] + select)
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let missing = try Invocation.run(["check", "--base-objects", dir.appendingPathComponent("nothing").path] + select)
        #expect(missing.status == 64 || missing.status == 65, "\(missing.stderr)")
        #expect(try KernelState.settled(like: before) == before)
    }

    /// SIGTERM while the user's command makes the traffic: the command and its process group are gone too.
    @Test func sigterm_duringCommandTraffic_stopsTheCommand() throws {
        let before = try KernelState.now()
        _ = try Self.buildExample()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Invocation.run(["run", "--config", Self.example.appendingPathComponent("bpfgate.json").path, "--profile", "example",
                                    "--filter", "count_uname", "--samples", "1000", "--quiet",
                                    "--output", dir.appendingPathComponent("bmf.json").path],
                                   signal: SIGTERM, after: 1.5)
        #expect(r.status == 128 + SIGTERM, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "a stopped run writes no output")
        #expect(try Self.commandLeftovers().isEmpty)
        #expect(try KernelState.settled(like: before) == before)
    }

    @Test func badObjects_oneLineAndExit65() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bmf = dir.appendingPathComponent("bmf.json").path
        let notELF = try Invocation.run(["run", "--object", "/etc/hostname", "--output", bmf])
        #expect(notELF.status == 65 && notELF.stderrLines.count == 1 && notELF.stderr.contains("not an ELF object"), "\(notELF.stderr)")
        let object = try Self.buildExample()
        let config = dir.appendingPathComponent("bpfgate.json").path
        try Data(#"{"objects": [{"object": "\#(object)", "program": "nope"}]}"#.utf8).write(to: URL(fileURLWithPath: config))
        let missing = try Invocation.run(["run", "--config", config, "--suite", "objects", "--output", bmf])
        #expect(missing.status == 65 && missing.stderrLines.count == 1 && missing.stderr.contains("has no program 'nope'"), "\(missing.stderr)")
        // An ELF BPF object with a map and no program (a struct_ops-only object, say): nothing to run, and said so.
        let source = dir.appendingPathComponent("maponly.bpf.c")
        try Data("""
            struct { int (*type)[1]; int (*max_entries)[4]; int *key; long *value; } only_a_map __attribute__((section(".maps"), used));
            char LICENSE[] __attribute__((section("license"), used)) = "GPL";
            """.utf8).write(to: source)
        let mapOnly = dir.appendingPathComponent("maponly.bpf.o").path
        let clang = ProcessInfo.processInfo.environment["CLANG"]
            ?? ["/usr/bin/clang", "/usr/local/bin/clang", "/opt/swift/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "clang"
        let cc = Shell.run([clang, "-g", "-O2", "-target", "bpf", "-c", source.path, "-o", mapOnly])
        try #require(cc.status == 0, "\(cc.stderr)")
        let noProgram = try Invocation.run(["run", "--object", mapOnly, "--output", bmf])
        #expect(noProgram.status == 65 && noProgram.stderrLines.count == 1 && noProgram.stderr.contains("has no BPF program"), "\(noProgram.stderr)")
        let absent = try Invocation.run(["run", "--object", "/nonexistent.bpf.o", "--output", bmf])
        #expect(absent.status == 64 && absent.stderrLines.count == 1, "\(absent.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bmf), "a refused run writes no output")
    }
}
