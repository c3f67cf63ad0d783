import CorpusObjects
import Foundation
import Results
import Testing

/// The corpus (Tests/CorpusObjects/bpf: programs in the patterns of libbpf-bootstrap's and bcc's tools) run as a
/// new user would: `bpfgate run --object FILE ...` with no configuration.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to load and attach programs; in CI this never skips"))
struct CorpusCLITests {
    /// What each program of the corpus must come out as.
    enum Outcome {
        /// A latency result (and its reference).
        case measured
        /// Measured where the kernel has the hook; unsupported (with the kernel's answer) where it has not.
        case measuredOrUnsupported
        /// Listed, not measured, with this reason.
        case notDerivable(String)
        /// Its workload is found at run time: measured, or listed with the rates when no workload drives it here
        /// (block_rq_insert fires only with an I/O scheduler that queues requests).
        case discoveredOrUndriven
    }

    static let expected: [String: Outcome] = {
        var e: [String: Outcome] = [
            "minimal/handle_tp": .measured,
            "bootstrap/handle_exec": .measured, "bootstrap/handle_exit": .measured,
            "execsnoop/tracepoint__syscalls__sys_enter_execve": .measured, "execsnoop/tracepoint__syscalls__sys_exit_execve": .measured,
            "exitsnoop/sched_process_exit": .measured,
            "syscount/sys_enter": .measured, "syscount/sys_exit": .measured,
            "tcplife/inet_sock_set_state": .measured,
            // direct-io needs a block-backed filesystem for its file: unsupported, with that reason, where there is none.
            "biolatency/block_rq_issue": .measuredOrUnsupported, "biolatency/block_rq_complete": .measuredOrUnsupported,
            "biolatency/block_rq_issue_raw": .measuredOrUnsupported, "biolatency/block_rq_complete_raw": .measuredOrUnsupported,
            "biolatency/block_rq_insert": .discoveredOrUndriven, "biolatency/block_rq_insert_raw": .discoveredOrUndriven,
            "task_iter/get_tasks": .measured,
            "profile/profile": .measured,
            "lsm_deny/restrict_connect": .notDerivable("an LSM program"),
            "xdp_counter/xdp_stats1_func": .measured, "xdp_counter/xdp_pass_func": .measured,
            "sockfilter/socket_handler": .measured, "sockfilter/tc_ingress": .measured,
            // Packet programs bpfgate does not attach: timed by test runs (TestRunCLITests).
            "xdp_fwd/xdp_fwd_prog": .measured, "flow_dissector/dissect": .notDerivable("timed by BPF_PROG_TEST_RUN instead"),
            "sk_lookup/dispatch": .notDerivable("timed by BPF_PROG_TEST_RUN instead"),
            // Bare uprobe and USDT sections run on bpfgate's own function and probe; named targets need your command
            // (ProbeTargetCLITests declares them).
            "uprobe/uprobe_add": .measured, "uprobe/uretprobe_add": .measured,
            "uprobe/uprobe_sub": .notDerivable("it probes its own loader (/proc/self/exe:uprobed_sub)"),
            "uprobe/uretprobe_sub": .notDerivable("it probes its own loader"),
            "uprobe/uprobe_exit": .notDerivable("it probes libc.so.6:exit, which bpfgate does not call: declare a command"),
            "usdt/usdt_manual_attach": .measured, "usdt/python_entry": .measured,
            "usdt/usdt_auto_attach": .notDerivable("it probes libc.so.6:libc:setjmp"),
            "loader_sized/touch_all": .measured,
            "signals/signal_on_exec": .notDerivable("bpf_send_signal"),
            "signals/poke_on_write": .notDerivable("bpf_probe_write_user"),
            "signals/signal_task_on_exec": .notDerivable("bpf_send_signal_task"),
        ]
        for call in ["open", "openat"] {
            e["opensnoop/tracepoint__syscalls__sys_enter_\(call)"] = .measured
            e["opensnoop/tracepoint__syscalls__sys_exit_\(call)"] = .measured
        }
        for p in ["sched_wakeup", "sched_wakeup_new", "sched_switch", "handle_sched_wakeup", "handle_sched_wakeup_new", "handle_sched_switch"] {
            e["runqlat/\(p)"] = .measured
        }
        for p in ["softirq_entry_btf", "softirq_exit_btf", "softirq_entry", "softirq_exit"] { e["softirqs/\(p)"] = .measured }
        for call in ["statfs", "newstat", "statx", "newfstatat", "newlstat"] {
            e["statsnoop/handle_\(call)_entry"] = .measured
            e["statsnoop/handle_\(call)_return"] = .measured
        }
        for call in ["mount", "umount", "fsopen"] {
            e["mountsnoop/\(call)_entry"] = .measured
            e["mountsnoop/\(call)_exit"] = .measured
        }
        for p in ["kprobe_vfs_read", "kprobe_vfs_write", "fentry_vfs_read", "fentry_vfs_write"] { e["vfsstat/\(p)"] = .measuredOrUnsupported }
        return e
    }()

    @Test func corpus_runsAsItIs_withNoConfiguration() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try Corpus.write(Corpus.originals.map { (name: $0.name, object: $0) }, to: dir.appendingPathComponent("objects"))
        let results = dir.appendingPathComponent("results.json").path
        // The programs only: the objects' maps are timed by the user-map suite, tested elsewhere.
        let r = try Invocation.run(["run"] + paths.flatMap { ["--object", $0] } + ["--filter", "^object/[^/]+/(?!map/)(?![^/]+/test-run/)", "--samples", "4",
                                    "--quiet", "--results", results, "--output", dir.appendingPathComponent("bmf.json").path])
        #expect(r.status == 0 || r.status == 3, "\(r.stderr)")
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        var seen: Set<String> = []
        for b in file.benchmarks where !b.name.hasSuffix("/reference") {
            let parts = b.name.split(separator: "/").map(String.init)
            try #require(parts.count >= 3 && parts[0] == "object", "\(b.name)")
            let program = "\(parts[1])/\(parts[2])"
            seen.insert(program)
            let latency = try #require(b.measure("latency"), "\(b.name)")
            switch Self.expected[program] {
            case .measured?:
                #expect(latency.status == .ok && latency.samples.count == 4, "\(b.name): \(latency.status)")
                #expect(b.reference == "\(b.name)/reference", "\(b.name)")
                #expect(b.measure("throughput")?.status == .ok, "\(b.name): throughput \(String(describing: b.measure("throughput")?.status))")
            case .measuredOrUnsupported?:
                if case .unsupported = latency.status { continue }
                #expect(latency.status == .ok, "\(b.name): \(latency.status)")
            case .discoveredOrUndriven?:
                if case let .notApplicable(why) = latency.status {
                    #expect(why.hasPrefix("not derivable: no workload drives it"), "\(b.name): \(why)")
                } else {
                    #expect(latency.status == .ok, "\(b.name): \(latency.status)")
                    #expect(b.notes.first?.contains("found by discovery") == true, "\(b.name): \(b.notes)")
                }
            case let .notDerivable(reason)?:
                if case .notApplicable = latency.status {} else { Issue.record("\(b.name): \(latency.status)") }
                #expect(latency.status.reason?.contains(reason) == true, "\(b.name): \(latency.status)")
            case nil:
                Issue.record("\(b.name) is not in the corpus table")
            }
        }
        #expect(seen == Set(Self.expected.keys), "missing: \(Set(Self.expected.keys).subtracting(seen).sorted())")
        #expect(try KernelState.settled(like: before) == before)
    }
}

extension CorpusCLITests {
    /// A refused program runs with your opt-in only: the LSM program of the corpus (it allows every connect), declared
    /// with `hostWide`, is loaded and attached on the host and measured under the workload discovery finds for its
    /// hook, or, on a kernel that cannot load LSM programs (this one: EPERM, as fentry, no BPF trampolines), reported
    /// unsupported with the kernel's answer; the same object with no declaration stays refused.
    @Test func hostWideOptIn_runsTheRefusedLSMProgram() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Corpus.write([(name: "lsm_deny", object: try #require(Corpus.named("lsm_deny")))], to: dir)[0]
        let config = dir.appendingPathComponent("bpfgate.json")
        try Data(#"{"objects": [{"object": "\#(path)", "program": "restrict_connect", "hostWide": true}]}"#.utf8).write(to: config)
        let results = dir.appendingPathComponent("results.json").path
        let r = try Invocation.run(["run", "--config", config.path, "--suite", "objects", "--samples", "4", "--quiet", "--results", results,
                                    "--output", dir.appendingPathComponent("bmf.json").path])
        #expect(r.status == 0 || r.status == 3, "\(r.stdout)\(r.stderr)")
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        let b = try #require(file.benchmarks.first { $0.name == "object/lsm_deny/restrict_connect/lsm" }, "\(file.benchmarks.map(\.name))")
        let latency = try #require(b.measure("latency"))
        if case let .unsupported(why) = latency.status {
            #expect(why.hasPrefix("load: ") || why.hasPrefix("attach: "), "\(why)")
            #expect(b.measure("verified-insns")?.status != .ok || why.hasPrefix("attach: "), "\(b.name)")
        } else {
            #expect(latency.status == .ok, "\(latency.status)")
            #expect(b.notes.first?.contains("found by discovery") == true, "\(b.notes)")
        }
        let plain = try Invocation.run(["list", "--object", path])
        #expect(plain.stdout.contains("object/lsm_deny/restrict_connect: refused: an LSM program"), "\(plain.stdout)")
        #expect(try KernelState.settled(like: before) == before)
    }

    /// syscount's sys_enter declared with `fields` (JSON members of its declaration) and run for 4 samples: the exit
    /// status, and the value of `measure` when it ran.
    static func syscountDeclared(_ fields: String, measure: String, in dir: URL) throws -> (Invocation, Double?) {
        let path = try Corpus.write([(name: "syscount", object: try #require(Corpus.named("syscount")))], to: dir)[0]
        let config = dir.appendingPathComponent("bpfgate.json")
        try Data(#"{"objects": [{"object": "\#(path)", "program": "sys_enter", \#(fields)}]}"#.utf8).write(to: config)
        let results = dir.appendingPathComponent("results.json").path
        try? FileManager.default.removeItem(atPath: results)
        let r = try Invocation.run(["run", "--config", config.path, "--suite", "objects", "--filter", "^object/syscount/sys_enter/",
                                    "--samples", "4", "--quiet", "--results", results, "--output", dir.appendingPathComponent("bmf.json").path])
        guard r.status == 0 else { return (r, nil) }
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        return (r, file.benchmarks.first { $0.name == "object/syscount/sys_enter/tracepoint" }?.measure(measure)?.samples.first)
    }

    /// A declaration's `.rodata` values reach the program as the tool's loader would set them: syscount with
    /// `filter_pid` set verifies a different program (the verifier sees the constant) than with the default 0; a
    /// variable the object lacks, or a value that does not fit, is one line and exit 65.
    @Test func rodataFromADeclaration_setsTheToolsSwitches() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ rodata: String) throws -> (Invocation, Double?) { try Self.syscountDeclared(#""rodata": \#(rodata)"#, measure: "verified-insns", in: dir) }
        let (plain, defaultInsns) = try run("{}")
        let (filtered, filteredInsns) = try run(#"{"filter_pid": 1, "measure_latency": true}"#)
        #expect(plain.status == 0 && filtered.status == 0, "\(plain.stderr)\(filtered.stderr)")
        let a = try #require(defaultInsns), b = try #require(filteredInsns)
        #expect(a != b, "filter_pid = 1 must change what the verifier sees: \(a) and \(b) instructions")
        let (missing, _) = try run(#"{"nope": 1}"#)
        #expect(missing.status == 65 && missing.stderrLines.count == 1 && missing.stderr.contains("has no .rodata variable 'nope'"), "\(missing.stderr)")
        let (tooBig, _) = try run(#"{"filter_failed": 300}"#)
        #expect(tooBig.status == 65 && tooBig.stderr.contains("does not fit the 1-byte .rodata variable 'filter_failed'"), "\(tooBig.stderr)")
    }

    /// A declaration's `maxEntries` sizes the object's maps as the tool's loader would: syscount's `start` map at 64
    /// entries costs less memlock than at its declared 10240; a map the object lacks is one line and exit 65.
    @Test func maxEntriesFromADeclaration_sizesTheMaps() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ sizes: String) throws -> (Invocation, Double?) { try Self.syscountDeclared(#""maxEntries": \#(sizes)"#, measure: "memlock-bytes", in: dir) }
        let (plain, full) = try run("{}")
        let (small, sized) = try run(#"{"start": 64}"#)
        #expect(plain.status == 0 && small.status == 0, "\(plain.stderr)\(small.stderr)")
        let a = try #require(full), b = try #require(sized)
        #expect(b < a, "start at 64 entries: \(b) bytes of memlock, at 10240: \(a)")
        let (missing, _) = try run(#"{"nope": 8}"#)
        #expect(missing.status == 65 && missing.stderrLines.count == 1 && missing.stderr.contains("has no map 'nope' to size"), "\(missing.stderr)")
    }

    /// `--together`: opensnoop's exit program with its entry programs attached finds what they stored and takes its
    /// whole path (the event out through the perf buffer), several times the cost of the early return it takes alone.
    @Test func together_runsTheExitProgramsWholePath() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Corpus.write([(name: "opensnoop", object: try #require(Corpus.named("opensnoop")))], to: dir)[0]
        let name = "object/opensnoop/tracepoint__syscalls__sys_exit_openat/tracepoint"
        func latency(_ extra: [String]) throws -> (Double, [String]) {
            let results = dir.appendingPathComponent("results.json").path
            try? FileManager.default.removeItem(atPath: results)
            let r = try Invocation.run(["run", "--object", path, "--filter", "^\(name)", "--samples", "4", "--quiet", "--results", results,
                                        "--output", dir.appendingPathComponent("bmf.json").path] + extra)
            try #require(r.status == 0, "\(r.stderr)")
            let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
            let b = try #require(file.benchmarks.first { $0.name == name })
            let m = try #require(b.measure("latency"))
            try #require(m.status == .ok, "\(m.status)")
            let sorted = m.samples.sorted()
            return (sorted[sorted.count / 2], b.notes)
        }
        let (alone, _) = try latency([])
        let (together, notes) = try latency(["--together"])
        #expect(together > 2 * alone, "exit alone \(alone) ns, together \(together) ns")
        #expect(notes.first?.hasPrefix("together with 3 of its siblings") == true, "\(notes)")
        #expect(try KernelState.settled(like: before) == before)
    }

    /// Same-run A/B by file name, with no declaration: the realistic slow-downs of the corpus (an extra map lookup per
    /// context switch; the owner looked up and the comm read on every TCP state change; the file name copied at
    /// opensnoop's entry; the caller's comm kept with syscount's entry time) are caught and confirmed by a second A/B,
    /// and their unchanged sibling programs pass.
    @Test func abByFileName_catchesTheSlowDowns_passesTheSiblings() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = dir.appendingPathComponent("base"), head = dir.appendingPathComponent("head")
        // xdp_fwd's slow-down is on the forwarding path, which only test runs reach (TestRunCLITests).
        let variants = Corpus.slowVariants.filter { $0.original != "xdp_fwd" }
        let originals = variants.map(\.original)
        let paths = try Corpus.write(try originals.map { (name: $0, object: try #require(Corpus.named($0))) }, to: base)
        try Corpus.write(variants.map { (name: $0.original, object: $0.object) }, to: head)
        let verdict = dir.appendingPathComponent("verdict.json").path
        let r = try Invocation.run(["check", "--base-objects", base.path, "--head-objects", head.path] + paths.flatMap { ["--object", $0] }
                                   + ["--suite", "objects", "--filter", "^object/[^/]+/(?!map/)(?![^/]+/test-run/)", "--samples", "30", "--verdict", verdict])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        let findings = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: verdict))) as? [String: Any])?["findings"] as? [[String: Any]])
        let verdicts = Dictionary(findings.compactMap { f in (f["benchmark"] as? String).map { ($0, f["verdict"] as? String ?? "") } }) { a, _ in a }
        let slowed: Set<String> = [
            "object/runqlat/sched_switch/tp-btf", "object/runqlat/handle_sched_switch/raw-tracepoint", "object/tcplife/inet_sock_set_state/tracepoint",
            "object/opensnoop/tracepoint__syscalls__sys_enter_open/tracepoint", "object/opensnoop/tracepoint__syscalls__sys_enter_openat/tracepoint",
            "object/syscount/sys_enter/tracepoint",
        ]
        let siblings: Set<String> = [
            "object/runqlat/sched_wakeup/tp-btf", "object/runqlat/sched_wakeup_new/tp-btf",
            "object/runqlat/handle_sched_wakeup/raw-tracepoint", "object/runqlat/handle_sched_wakeup_new/raw-tracepoint",
            "object/opensnoop/tracepoint__syscalls__sys_exit_open/tracepoint", "object/opensnoop/tracepoint__syscalls__sys_exit_openat/tracepoint",
            "object/syscount/sys_exit/tracepoint",
        ]
        #expect(Set(verdicts.keys) == slowed.union(siblings), "\(verdicts)")
        let changes = findings.map { "\($0["benchmark"] ?? "?"): \($0["verdict"] ?? "?") \($0["change"] ?? "-") \($0["note"] ?? "")" }
        for name in slowed { #expect(verdicts[name] == "regression", "\(name): \(verdicts[name] ?? "absent")\n\(changes.joined(separator: "\n"))") }
        for name in siblings { #expect(verdicts[name] == "unchanged", "\(name): \(verdicts[name] ?? "absent")\n\(changes.joined(separator: "\n"))") }
        // Each regression was timed A/B a second time, in the same process (`Confirmation.confirmAB`).
        let notes = Dictionary(findings.compactMap { f in (f["benchmark"] as? String).map { ($0, f["note"] as? String ?? "") } }) { a, _ in a }
        for name in slowed { #expect(notes[name]?.contains("; confirmed by a second run: +") == true, "\(name): \(notes[name] ?? "absent")") }
        #expect(r.stderr.contains("confirm: "), "\(r.stderr)")
        #expect(try KernelState.settled(like: before) == before)
    }
}

/// `list --object` says how each program of the corpus would run, or why it would not (no privilege needed).
@Suite struct CorpusListTests {
    @Test func list_showsTheWorkloadAndTheReasons() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try Corpus.write(["minimal", "signals", "runqlat", "task_iter"].map { (name: $0, object: try #require(Corpus.named($0))) },
                                     to: dir)
        let r = try Invocation.run(["list"] + paths.flatMap { ["--object", $0] })
        #expect(r.status == 0, "\(r.stderr)")
        for line in [
            "object/minimal/handle_tp/tracepoint: tracepoint tp/syscalls/sys_enter_write, workload write, reference probe_tracepoint on tracepoint syscalls/sys_enter_write",
            "object/runqlat/sched_switch/tp-btf: tp_btf tp_btf/sched_switch, workload pingpong, reference probe_tp_btf on BTF target sched_switch",
            "object/runqlat/handle_sched_wakeup_new/raw-tracepoint: raw_tracepoint raw_tp/sched_wakeup_new, workload clone, reference probe_raw_tp on raw tracepoint sched_wakeup_new",
            "object/signals/signal_on_exec: refused: it calls bpf_send_signal (sends signals to whatever process it runs in)",
            "object/signals/poke_on_write: refused: it calls bpf_probe_write_user (writes into the memory of whatever process it runs in)",
            "object/task_iter/get_tasks/iter: iter iter/task, workload iterate, reference probe_iter on BTF target task",
        ] {
            #expect(r.stdout.contains("  " + line + "\n"), "missing: \(line)\n\(r.stdout)")
        }
    }
}
