import BPF
import BPFCatalog
import CBPFLayouts
import CorpusObjects
import Gate
import Suites
import Testing

/// The section -> attach -> traffic table of the user-object suite (no privilege needed).
@Suite struct ObjectDerivationTests {
    @Test(arguments: [
        ("tracepoint/syscalls/sys_enter_getppid", "tracepoint", "getppid"),
        ("tp/syscalls/sys_exit_openat", "tracepoint", "openat"),
        ("tracepoint/syscalls/sys_enter_getpgid", "tracepoint", "getpgid"),
        ("raw_tp/sys_enter", "raw_tracepoint", "getppid"),
        ("raw_tracepoint/sys_exit", "raw_tracepoint", "getppid"),
        ("tp_btf/sys_enter", "tp_btf", "getppid"),
        ("kprobe/do_sys_openat2", "kprobe", "openat"),
        ("fexit/__x64_sys_getppid", "fexit", "getppid"),
        ("ksyscall/tgkill", "kprobe", "tgkill"),
        ("kretsyscall/kill", "kretprobe", "kill"),
        ("xdp", "xdp", "udp"),
        ("xdp/frags", "xdp", "udp"),
        ("xdp.frags", "xdp", "udp"),
        ("xdp_pass", "xdp", "udp"),
        ("perf_event", "perf_event", "getppid"),
        ("iter/task", "iter", "iterate"),
        ("iter.s/task_file", "iter", "iterate"),
        ("tc", "tc", "udp"),
        ("classifier", "tc", "udp"),
        ("socket", "socket_filter", "udp"),
        ("cgroup_skb/ingress", "cgroup_skb", "udp"),
        // The patterns of real tools: libbpf-bootstrap's minimal and bootstrap, bcc's opensnoop, statsnoop,
        // execsnoop, exitsnoop, syscount, runqlat, softirqs, tcplife, biolatency, mountsnoop.
        ("tp/syscalls/sys_enter_write", "tracepoint", "write"),
        ("tp/sched/sched_process_exec", "tracepoint", "execve"),
        ("tp/sched/sched_process_exit", "tracepoint", "clone"),
        ("tracepoint/syscalls/sys_enter_open", "tracepoint", "open"),
        ("tracepoint/syscalls/sys_exit_openat2", "tracepoint", "openat2"),
        ("tracepoint/syscalls/sys_enter_close", "tracepoint", "openat"),
        ("tracepoint/syscalls/sys_enter_newfstatat", "tracepoint", "newfstatat"),
        ("tracepoint/syscalls/sys_enter_statx", "tracepoint", "statx"),
        ("tracepoint/syscalls/sys_enter_statfs", "tracepoint", "statfs"),
        ("tracepoint/syscalls/sys_enter_execve", "tracepoint", "execve"),
        ("tracepoint/syscalls/sys_exit_execve", "tracepoint", "execve"),
        ("tracepoint/raw_syscalls/sys_enter", "tracepoint", "getppid"),
        ("tp_btf/sched_wakeup", "tp_btf", "pingpong"),
        ("tp_btf/sched_wakeup_new", "tp_btf", "clone"),
        ("raw_tp/sched_switch", "raw_tracepoint", "pingpong"),
        ("tp_btf/softirq_entry", "tp_btf", "sendto"),
        ("raw_tp/softirq_exit", "raw_tracepoint", "sendto"),
        ("tracepoint/sock/inet_sock_set_state", "tracepoint", "connect"),
        ("tp_btf/block_rq_issue", "tp_btf", "direct-io"),
        ("raw_tp/block_rq_complete", "raw_tracepoint", "direct-io"),
        ("tracepoint/syscalls/sys_enter_mount", "tracepoint", "mount"),
        ("tracepoint/syscalls/sys_exit_umount", "tracepoint", "umount"),
        ("tracepoint/syscalls/sys_enter_fsopen", "tracepoint", "fsopen"),
        ("tracepoint/syscalls/sys_enter_newuname", "tracepoint", "newuname"),
        ("tracepoint/syscalls/sys_enter_accept4", "tracepoint", "connect"),
        ("tracepoint/syscalls/sys_enter_unlinkat", "tracepoint", "unlinkat"),
        ("tracepoint/syscalls/sys_enter_rmdir", "tracepoint", "mkdir"),
        ("tp_btf/page_fault_user", "tp_btf", "mmap"),
        ("kprobe/vfs_read", "kprobe", "read"),
        ("fentry/__x64_sys_write", "fentry", "write"),
        ("kretprobe/inet_csk_accept", "kretprobe", "connect"),
        ("fexit/do_unlinkat", "fexit", "unlink"),
        ("kprobe/tcp_sendmsg", "kprobe", "tcp-stream"),
        ("tp_btf/tcp_probe", "tp_btf", "tcp-stream"),
        ("tracepoint/syscalls/sys_enter_futex", "tracepoint", "futex"),
        ("tracepoint/syscalls/sys_enter_sync_file_range", "tracepoint", "sync_file_range"),
        ("tracepoint/syscalls/sys_enter_msync", "tracepoint", "msync"),
        ("tracepoint/syscalls/sys_enter_sync", "tracepoint", "sync"),
        ("tracepoint/syscalls/sys_enter_syncfs", "tracepoint", "syncfs"),
        ("tracepoint/writeback/writeback_dirty_folio", "tracepoint", "fsync"),
        // xdp-tools' xdp-monitor and xdp-bench: XDP's own events.
        ("tp_btf/xdp_exception", "tp_btf", "xdp-aborted"),
        ("tracepoint/xdp/xdp_redirect_err", "tracepoint", "xdp-redirect-err"),
        ("tp_btf/xdp_redirect", "tp_btf", "xdp-redirect"),
        ("tp_btf/xdp_devmap_xmit", "tp_btf", "xdp-devmap"),
        ("tp_btf/xdp_cpumap_kthread", "tp_btf", "xdp-cpumap"),
        ("tracepoint/xdp/xdp_cpumap_enqueue", "tracepoint", "xdp-cpumap"),
    ])
    func derivable(section: String, attach: String, traffic: String) throws {
        // (Bare uprobe and USDT sections run on bpfgate's own function and probe: `probeTargets_fromSections`.)
        #expect(try Hook.of(section: section).get().rawValue == attach)
        #expect(try Hook.defaultTraffic(section: section).get().rawValue == traffic)
    }

    @Test(arguments: [
        ("tc/egress", "at ingress of its veth only"),
        ("cgroup_skb/egress", "at ingress only"),
        ("tracepoint", "names no tracepoint"),
        ("iter/bpf_map_elem", "walks a map that only your loader knows"),
        ("iter", "names no iterator"),
        ("xdp/devmap", "for devmap entries"),
        ("xdp.frags/cpumap", "for cpumap entries"),
    ])
    func notDerivableAttach(section: String, reason: String) {
        guard case let .failure(why) = Hook.of(section: section) else {
            Issue.record("\(section) should not be derivable"); return
        }
        #expect(why.reason.contains(reason), "\(why)")
        #expect(why.description.hasPrefix("not derivable: "))
    }

    @Test(arguments: [
        ("tracepoint/syscalls/sys_enter_ptrace", "no built-in workload calls ptrace; declare a generator or a command"),
        ("tracepoint/kvm/kvm_exit", "no built-in workload fires kvm/kvm_exit"),
        ("tracepoint/syscalls/sys_enter_sched_switch", "no built-in workload calls sched_switch"),
        ("kprobe/tcp_v6_connect", "no built-in workload calls tcp_v6_connect"),
        ("raw_tp/kvm_entry", "no built-in workload fires kvm_entry"),
    ])
    func notDerivableTraffic(section: String, reason: String) throws {
        #expect(try Hook.of(section: section).get().rawValue != "")
        guard case let .failure(why) = Hook.defaultTraffic(section: section) else {
            Issue.record("\(section) should have no default traffic"); return
        }
        #expect(why.reason.contains(reason), "\(why)")
    }

    /// Programs that would change the host's behaviour are refused, by section or by the helpers they call
    /// (found in the ELF, also through a subprogram in .text).
    @Test func refusals_bySectionAndByHelper() throws {
        for section in ["lsm/file_open", "lsm.s/bprm_committed_creds", "fmod_ret/security_file_open", "struct_ops/tcp_cong"] {
            guard case let .failure(why) = Hook.of(section: section) else { Issue.record("\(section) should be refused"); continue }
            #expect(why.refused && why.description.hasPrefix("refused: "), "\(section): \(why)")
        }
        let signals = HelperCalls(elf: try #require(Corpus.named("signals")).bytes)
        #expect(signals.refusal(section: "tp/sched/sched_process_exec")?.reason.contains("bpf_send_signal") == true)
        let poke = try #require(signals.refusal(section: "tracepoint/syscalls/sys_enter_write"), "the .text subprogram's helper")
        #expect(poke.refused && poke.reason.contains("bpf_probe_write_user") && !poke.reason.contains("send_signal"), "\(poke)")
        let kfunc = try #require(signals.refusal(section: "tp_btf/sched_process_exec"), "the kfunc call")
        #expect(kfunc.reason.contains("bpf_send_signal_task"), "\(kfunc)")
        for object in Corpus.originals where object.name != "signals" {
            let calls = HelperCalls(elf: object.bytes)
            #expect(!calls.bySection.isEmpty, "\(object.name): no executable section found")
            for section in calls.bySection.keys { #expect(calls.refusal(section: section) == nil, "\(object.name) \(section)") }
        }
        // Malformed input: no calls, no crash.
        let bytes = try #require(Corpus.named("minimal")).bytes
        for cut in [0, 4, 63, 64, 200, bytes.count / 2, bytes.count - 1] {
            _ = HelperCalls(elf: Array(bytes.prefix(cut)))
        }
        var garbage = bytes
        for i in stride(from: 0x20, to: min(0x40, garbage.count), by: 1) { garbage[i] = 0xff }
        #expect(HelperCalls(elf: garbage).bySection.isEmpty)
        // A damaged section table: each header's offset, size, name, link and info set to extremes in turn.
        let signalBytes = try #require(Corpus.named("signals")).bytes
        func field(_ b: [UInt8], _ o: Int, _ n: Int) -> Int { (0 ..< n).reduce(0) { $0 | Int(b[o + $1]) << (8 * $1) } }
        let (shoff, shentsize, shnum) = (field(signalBytes, 0x28, 8), field(signalBytes, 0x3a, 2), field(signalBytes, 0x3c, 2))
        for (offset, width) in [(24, 8), (32, 8), (0, 4), (40, 4), (44, 4)] {
            for value: UInt64 in [0, 1, 0x7fff_ffff, 0xffff_ffff, UInt64(Int.max), .max] {
                var damaged = signalBytes
                for i in 0 ..< shnum {
                    for k in 0 ..< width { damaged[shoff + i * shentsize + offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
                }
                _ = HelperCalls(elf: damaged).refusal(section: "tp/sched/sched_process_exec")
            }
        }
        _ = HelperCalls(elf: Array(signalBytes.prefix(shoff + shentsize * shnum / 2)))
    }

    /// Discovery keeps the fastest workload well above the idle rate; none when every rate is noise.
    @Test func discovery_choosesTheFastestAboveIdle() {
        let rates: [(kind: TrafficKind, rate: Double)] = [(.write, 900), (.fsync, 5000), (.directIO, 5000), (.pingpong, 150)]
        #expect(Discovery.choose(rates, idle: 100).map(\.kind) == [.fsync, .directIO, .write], "ties in the table's order; 150 is under 3x idle")
        #expect(Discovery.choose(rates, idle: 2000).map(\.kind) == [])
        #expect(Discovery.choose([(.read, 199)], idle: 0).isEmpty, "under 200 runs/s is not driving")
        #expect(!Discovery.candidates.contains(.mount) && !Discovery.candidates.contains(.udp) && Discovery.candidates.contains(.directIO))
    }

    /// Every hook has a counting program in the macro suite, and every map type the user-space suite times
    /// is one the table says is timed from user space.
    @Test func catalogue_matchesTheSuites() {
        for hook in Hook.allCases { #expect(MacroSuite.cases.contains { $0.name == "macro/count/\(hook.slug)" }, "\(hook)") }
        #expect(Hook.declarable.contains(.uprobe) && Hook.declarable.contains(.usdt), "a declaration's target names your binary")
        let timed = MapKind.allCases.filter { $0 != .hashNoPrealloc }.map(\.rawValue)
        #expect(timed == MapTypeFacts.all.filter(\.timedFromUserSpace).map(\.slug))
        for kind in MapKind.allCases { #expect(kind.mapType.facts?.timedFromUserSpace == true, "\(kind)") }
    }

    /// Each family's counter index is the one bpf/probes.h gives its probe (`enum probe_hook`).
    @Test func probeIndices_areThoseOfProbesH() {
        let c: [(Hook, probe_hook)] = [
            (.tracepoint, PROBE_TRACEPOINT), (.rawTracepoint, PROBE_RAW_TP), (.tpBTF, PROBE_TP_BTF), (.kprobe, PROBE_KPROBE),
            (.kretprobe, PROBE_KRETPROBE), (.fentry, PROBE_FENTRY), (.fexit, PROBE_FEXIT), (.uprobe, PROBE_UPROBE),
            (.uretprobe, PROBE_URETPROBE), (.xdp, PROBE_XDP), (.tc, PROBE_TC), (.socketFilter, PROBE_SOCKET), (.cgroupSKB, PROBE_CGROUP_SKB),
            (.perfEvent, PROBE_PERF_EVENT), (.iter, PROBE_ITER), (.lsm, PROBE_LSM), (.usdt, PROBE_USDT),
        ]
        #expect(c.count == Hook.allCases.count && c.count == Int(PROBE_MAX.rawValue))
        for (hook, index) in c { #expect(hook.family.probeIndex == Int(index.rawValue), "\(hook)") }
    }
}
