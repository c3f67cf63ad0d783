import BPFCatalog
import Configuration
import Foundation
import Gate
import Results
import Statistics
import Testing

@Suite struct ConfigTests {
    static func parse(_ json: String) throws -> GateConfig { try GateConfig.parse(Data(json.utf8), path: "bpfgate.json") }

    @Test func fullConfig_isRead() throws {
        let c = try Self.parse("""
        {"gate": {"minEffect": 0.1, "abMinEffect": 0.02, "alpha": 0.01, "correction": "bh", "normalize": false,
                  "minBaselineRuns": 4, "baselineRuns": 6, "history": 100, "maxSpread": 0.3,
                  "model": {"test": "t_test", "upperBoundary": 0.99}},
         "rules": [{"benchmark": "^xdp/", "measure": "latency", "minEffect": 0.03},
                   {"benchmark": "/full$", "tolerance": 0.01, "model": {"test": "percentage", "upperBoundary": 0.1, "maxSampleSize": 10}}],
         "waivers": [{"benchmark": "b/x", "measure": "latency", "reason": "new feature", "expires": "2027-01-31"}],
         "profiles": {"gate": {"samples": 40}, "mine": {"suites": ["xdp-demo"], "sizes": [64, 128], "repeat": 1000}}}
        """)
        #expect(c.minEffect == 0.1 && c.abMinEffect == 0.02 && c.alpha == 0.01 && c.correction == .bh && !c.normalize)
        #expect(c.minBaselineRuns == 4 && c.baselineRuns == 6 && c.history == 100 && c.maxSpread == 0.3)
        #expect(c.model == ModelSpec(test: .tTest, lowerBoundary: nil, upperBoundary: 0.99))
        #expect(c.rule(for: "xdp/demo", measure: "latency").minEffect == 0.03)
        #expect(c.rule(for: "user/map/hash/1024/full", measure: "memlock-bytes").tolerance == 0.01)
        #expect(c.rule(for: "user/map/hash/1024/full", measure: "memlock-bytes").model?.maxSampleSize == 10)
        #expect(c.waiver(for: "b/x", measure: "latency", on: "2027-01-31")?.reason == "new feature")
        #expect(c.waiver(for: "b/x", measure: "latency", on: "2027-02-01") == nil)
        #expect(c.profiles["gate"]?.samples == 40 && c.profiles["gate"]?.suites == ["user-maps", "xdp-demo", "macro", "objects", "kernel"])
        #expect(c.profiles["mine"]?.sizes == [64, 128] && c.profiles["mine"]?.repeatCount == 1000)
    }

    @Test func samples_perSuite() throws {
        let suites = ["user-maps", "xdp-demo", "macro"]
        // Built in: the gate profile times user maps over more rounds than the demo.
        #expect(GateConfig().profiles["gate"]?.samples(for: "user-maps") == 300)
        #expect(GateConfig().profiles["gate"]?.samples(for: "xdp-demo") == 30)
        let c = try GateConfig.parse(Data(#"{"profiles": {"gate": {"samples": {"xdp-demo": 7}}, "q": {"samples": 9}}}"#.utf8),
                                     path: "bpfgate.json", suites: suites)
        #expect(c.profiles["gate"]?.samples(for: "xdp-demo") == 7)
        #expect(c.profiles["gate"]?.samples(for: "user-maps") == 300)
        #expect(c.profiles["q"]?.samples(for: "user-maps") == 9 && c.profiles["q"]?.samples(for: "xdp-demo") == 9)
        // One count for all replaces the built-in per-suite counts.
        let one = try GateConfig.parse(Data(#"{"profiles": {"gate": {"samples": 50}}}"#.utf8), path: "bpfgate.json", suites: suites)
        #expect(one.profiles["gate"]?.samples(for: "user-maps") == 50)
        for (json, expected) in [(#"{"profiles": {"gate": {"samples": {"user-map": 5}}}}"#, "profiles.gate.samples.user-map: unknown key"),
                                 (#"{"profiles": {"gate": {"samples": {"xdp-demo": 1}}}}"#, "profiles.gate.samples.xdp-demo: 1.0 is out of range")] {
            #expect {
                _ = try GateConfig.parse(Data(json.utf8), path: "bpfgate.json", suites: suites)
            } throws: { error in
                (error as? BadInputError)?.description.contains(expected) == true
            }
        }
    }

    /// Object declarations: paths resolve against the configuration file's directory.
    @Test func objectDeclarations_areRead() throws {
        let json = #"{"objects": [{"object": "build/x.bpf.o", "program": "a", "attach": "xdp", "traffic": {"generator": "udp", "threads": 2}},"#
            + #" {"object": "/abs/y.o", "program": "b", "traffic": {"command": ["sh", "-c", "true"], "seconds": 30}}]}"#
        let c = try GateConfig.parse(Data(json.utf8), path: "/proj/bpfgate.json")
        #expect(c.objects == [
            ObjectDeclaration(object: "/proj/build/x.bpf.o", program: "a", attach: .xdp, traffic: .generator(.udp, threads: 2)),
            ObjectDeclaration(object: "/abs/y.o", program: "b", traffic: .command(["sh", "-c", "true"], seconds: 30)),
        ])
    }

    /// Uprobe and USDT targets: a path resolves like the object's, a library name stays as written.
    @Test func probeTargets_areRead() throws {
        let json = #"{"objects": [{"object": "x.o", "program": "a", "target": {"binary": "bin/app", "provider": "app", "name": "tick"}},"#
            + #" {"object": "x.o", "program": "b", "attach": "uretprobe", "target": {"binary": "libc.so.6", "function": "malloc"}}]}"#
        let c = try GateConfig.parse(Data(json.utf8), path: "/proj/bpfgate.json")
        #expect(c.objects.map(\.target) == [ProbeTarget(binary: "/proj/bin/app", provider: "app", name: "tick"),
                                              ProbeTarget(binary: "libc.so.6", function: "malloc")])
    }

    /// Targets in sections, libbpf's way.
    @Test func probeTargets_fromSections() {
        #expect(ProbeTarget.of(section: "uprobe//proc/self/exe:uprobed_sub") == ProbeTarget(binary: "/proc/self/exe", function: "uprobed_sub"))
        #expect(ProbeTarget.of(section: "uretprobe.s/libc.so.6:malloc+16") == ProbeTarget(binary: "libc.so.6", function: "malloc"))
        #expect(ProbeTarget.of(section: "usdt/libc.so.6:libc:setjmp") == ProbeTarget(binary: "libc.so.6", provider: "libc", name: "setjmp"))
        for bare in ["uprobe", "uretprobe", "usdt", "usdt/a:b", "uprobe/nocolon", "tp/syscalls/sys_enter_openat"] {
            #expect(ProbeTarget.of(section: bare) == nil, "\(bare)")
        }
        #expect(Hook.of(section: "usdt") == .success(.usdt) && Hook.defaultTraffic(section: "usdt") == .success(.uprobe))
        guard case let .failure(why) = Hook.defaultTraffic(section: "uprobe/libc.so.6:exit") else { Issue.record("derived"); return }
        #expect(why.reason.contains("declare a command"))
    }

    /// A project's own build for `--ab`: the command and the folder, as written (relative to the repository's top).
    @Test func buildRecipe_isRead() throws {
        let c = try GateConfig.parse(Data(#"{"build": {"command": "make -C bpf", "objects": "bpf/.output"}}"#.utf8), path: "/proj/bpfgate.json")
        #expect(c.build == BuildRecipe(command: "make -C bpf", objects: "bpf/.output"))
        #expect(try GateConfig.parse(Data("{}".utf8), path: "/proj/bpfgate.json").build == nil)
    }

    /// `..` stays in the joined path for the kernel to resolve: `/a/b` + `../c/x.o` is the file in `/a/c`.
    @Test func objectPaths_withDotDot_resolveToTheRightFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-dotdot-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: "\(root)/a/b", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/a/c", withIntermediateDirectories: true)
        try Data("object".utf8).write(to: URL(fileURLWithPath: "\(root)/a/c/x.o"))
        let c = try GateConfig.parse(Data(#"{"objects": [{"object": "../c/x.o", "program": "p"}]}"#.utf8), path: "\(root)/a/b/bpfgate.json")
        let object = try #require(c.objects.first?.object)
        #expect(FileManager.default.contents(atPath: object) == Data("object".utf8), "\(object)")
        #expect(FilePath.absolute("../c/x.o", from: "/a/b") == "/a/b/../c/x.o")
        #expect(FilePath.absolute("/abs/x.o", from: "/a/b") == "/abs/x.o")
        #expect(FilePath.directory(of: "/a/b/bpfgate.json") == "/a/b" && FilePath.directory(of: "x.json") == ".")
    }

    @Test(arguments: [
        (#"{"gate": {"minEfect": 0.1}}"#, "gate.minEfect: unknown key (allowed here: minEffect"),
        (#"{"gates": {}}"#, "gates: unknown key"),
        (#"{"gate": {"alpha": 0.9}}"#, "gate.alpha: 0.9 is out of range; allowed 1e-06...0.5"),
        (#"{"gate": {"alpha": true}}"#, "gate.alpha: must be a number"),
        (#"{"gate": {"history": 5000}}"#, "gate.history: 5000.0 is out of range; allowed 1...1000"),
        (#"{"gate": {"history": 2.5}}"#, "gate.history: must be a whole number"),
        (#"{"gate": {"model": {"test": "t_test", "upperBoundary": 1.2}}}"#, "gate.model.upperBoundary: 1.2 is out of range for t_test"),
        (#"{"gate": {"model": {"test": "ttest", "upperBoundary": 0.9}}}"#, "gate.model.test: must be one of static, percentage"),
        (#"{"gate": {"correction": "bonferroni"}}"#, "gate.correction: 'bonferroni' is not one of holm, bh, none"),
        (#"{"rules": [{"benchmark": "("}]}"#, "rules[0].benchmark: '(' is not a valid regular expression"),
        (#"{"waivers": [{"benchmark": "a", "measure": "latency", "reason": "r", "expires": "soon"}]}"#, "waivers[0].expires: 'soon' is not YYYY-MM-DD"),
        (#"{"waivers": [{"benchmark": "a", "measure": "latency", "reason": "", "expires": "2027-01-01"}]}"#, "waivers[0]: needs benchmark"),
        (#"{"profiles": {"gate": {"sizes": [1]}}}"#, "profiles.gate.sizes: must be a non-empty list"),
        (#"[1]"#, ": must be an object"),
        (#"{"gate": "#, "not valid JSON"),
        (#"{"objects": [{"program": "p"}]}"#, "objects[0].object: is required"),
        (#"{"objects": [{"object": "a.o", "program": "p", "attach": "sockops"}]}"#, "objects[0].attach: 'sockops' is not one of tracepoint"),
        (#"{"objects": [{"object": "a.o", "program": "p", "hostWide": "yes"}]}"#, "objects[0].hostWide: must be true or false"),
        (#"{"objects": [{"object": "a.o", "program": "p", "rodata": [1]}]}"#, "objects[0].rodata: must be an object"),
        (#"{"objects": [{"object": "a.o", "program": "p", "maxEntries": {"start": 0}}]}"#, "objects[0].maxEntries.start: 0.0 is out of range"),
        (#"{"objects": [{"object": "a.o", "program": "p", "maxEntries": 5}]}"#, "objects[0].maxEntries: must be an object"),
        (#"{"objects": [{"object": "a.o", "program": "p", "rodata": {"targ_pid": "1"}}]}"#, "objects[0].rodata.targ_pid: must be a whole number"),
        (#"{"objects": [{"object": "a.o", "program": "p", "rodata": {"targ_pid": 1.5}}]}"#, "objects[0].rodata.targ_pid: must be a whole number"),
        (#"{"objects": [{"object": "a.o", "program": "p", "traffic": {"generator": "fio"}}]}"#, "objects[0].traffic.generator: 'fio' is not one of getppid"),
        (#"{"objects": [{"object": "a.o", "program": "p", "traffic": {"command": []}}]}"#, "objects[0].traffic.command: must be a non-empty list"),
        (#"{"objects": [{"object": "a.o", "program": "p", "traffic": {"command": ["x"], "seconds": 0}}]}"#, "objects[0].traffic.seconds: 0.0 is out of range; allowed 1...3600"),
        (#"{"objects": [{"object": "a.o", "program": "p", "traffic": {"generator": "udp", "command": ["x"]}}]}"#, "objects[0].traffic: takes a generator or a command"),
        (#"{"objects": [{"object": "a.o", "program": "p", "traffic": {}}]}"#, "objects[0].traffic: needs a generator or a command"),
        (#"{"objects": [{"object": "a.o", "program": "p", "target": {"function": "f"}}]}"#, "objects[0].target.binary: is required"),
        (#"{"objects": [{"object": "a.o", "program": "p", "target": {"binary": "b", "function": "f", "name": "n"}}]}"#, "objects[0].target: takes a function (uprobes) or a provider and a name"),
        (#"{"objects": [{"object": "a.o", "program": "p", "target": {"binary": "b", "provider": "p"}}]}"#, "objects[0].target: takes a function"),
        (#"{"objects": [{"object": "a.o", "program": "p", "attach": "xdp", "target": {"binary": "b", "function": "f"}}]}"#, "objects[0].target: applies to uprobe, uretprobe and usdt programs, not xdp"),
        (#"{"build": {"objects": "build"}}"#, "build.command: is required"),
        (#"{"build": {"command": "make"}}"#, "build.objects: is required"),
        (#"{"build": {"command": "make", "objects": "/abs"}}"#, "build.objects: '/abs' must be relative"),
        (#"{"build": {"command": "make", "objects": "a/../../x"}}"#, "build.objects: 'a/../../x' must stay inside"),
        (#"{"build": {"command": "make", "objects": "b", "cwd": "x"}}"#, "build.cwd: unknown key (allowed here: command, objects)"),
    ])
    func badConfig_isExit65NamingTheKey(json: String, expected: String) {
        #expect {
            _ = try Self.parse(json)
        } throws: { error in
            guard let e = error as? BadInputError else { return false }
            return e.exitStatus == .badInput && e.description.contains(expected)
        }
    }
}

@Suite struct BaselineStoreTests {
    static func store() throws -> (BaselineStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-store-\(UUID())")
        return (BaselineStore(root: dir.path), dir)
    }

    @Test func saveAndRead_keepOrderKindAndReason() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        for (i, run) in Build.baseline().enumerated() {
            try store.save(run, kind: i == 3 ? .accept : .save, reason: i == 3 ? "faster hash" : nil, history: 64,
                           currentTestbed: Build.testbed, force: false, now: t0.addingTimeInterval(Double(i)))
        }
        let all = try store.history(testbed: "tb")
        #expect(all.map(\.results.run.id) == Build.baseline().map(\.run.id))
        try #require(all.count == Build.baseline().count)
        #expect(all[3].kind == .accept && all[3].reason == "faster hash")
        #expect(try store.baseline(testbed: "tb").count == 2)  // from the accept on
        #expect(store.testbeds().map(\.name) == ["tb"])
        #expect(try RunLoader.load(dir.appendingPathComponent("tb").path).count == 2)
        #expect(try RunLoader.load(all[0].file!).map(\.run.id) == [all[0].results.run.id])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.directory(testbed: "tb")).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func history_isBounded() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, run) in Build.baseline().enumerated() {
            try store.save(run, kind: .save, reason: nil, history: 3, currentTestbed: Build.testbed, force: false,
                           now: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)))
        }
        #expect(try store.history(testbed: "tb").map(\.results.run.id) == Build.baseline().suffix(3).map(\.run.id))
    }

    @Test func anotherTestbed_needsForce() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        var other = Build.testbed
        other.cpuModel = "another cpu"
        #expect(throws: BaselineError.self) {
            try store.save(Build.run(id: 1, value: 1), kind: .save, reason: nil, history: 64, currentTestbed: other, force: false)
        }
        try store.save(Build.run(id: 1, value: 1), kind: .save, reason: nil, history: 64, currentTestbed: other, force: true)
        #expect(try store.history(testbed: "tb").count == 1)
    }

    @Test func delete_oneOrAll_andMalformedFilesAreBadInput() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, run) in Build.baseline().enumerated() {
            try store.save(run, kind: .save, reason: nil, history: 64, currentTestbed: Build.testbed, force: false,
                           now: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)))
        }
        #expect(try store.delete(testbed: "tb", runID: "00000000-0000-4000-8000-000000000002") == 1)
        #expect(throws: BaselineError.self) { try store.delete(testbed: "tb", runID: "nope") }
        try Data("{\"kind\": \"save\"}".utf8).write(to: URL(fileURLWithPath: store.directory(testbed: "tb") + "/zz.json"))
        #expect { try store.history(testbed: "tb") } throws: { ($0 as? BadInputError)?.description.contains("zz.json") == true }
        try FileManager.default.removeItem(atPath: store.directory(testbed: "tb") + "/zz.json")
        #expect(try store.delete(testbed: "tb", runID: nil) == 4)
    }
}
