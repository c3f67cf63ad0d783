import BPF
import BPFCatalog
import CBPFLayouts
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
        ("xdp", "xdp", "udp"),
        ("xdp/frags", "xdp", "udp"),
        ("tc", "tc", "udp"),
        ("classifier", "tc", "udp"),
        ("socket", "socket_filter", "udp"),
        ("cgroup_skb/ingress", "cgroup_skb", "udp"),
    ])
    func derivable(section: String, attach: String, traffic: String) throws {
        #expect(try Hook.of(section: section).get().rawValue == attach)
        #expect(try Hook.defaultTraffic(section: section).get().rawValue == traffic)
    }

    @Test(arguments: [
        ("uprobe", "a uprobe on your binary"),
        ("uprobe//usr/bin/foo:main", "a uprobe on your binary"),
        ("tc/egress", "at ingress of its veth only"),
        ("cgroup_skb/egress", "at ingress only"),
        ("lsm/file_open", "section 'lsm/file_open' has no default attach"),
        ("tracepoint", "names no tracepoint"),
        ("struct_ops/x", "has no default attach"),
    ])
    func notDerivableAttach(section: String, reason: String) {
        guard case let .failure(why) = Hook.of(section: section) else {
            Issue.record("\(section) should not be derivable"); return
        }
        #expect(why.reason.contains(reason), "\(why)")
        #expect(why.description.hasPrefix("not derivable: "))
    }

    @Test(arguments: [
        ("tracepoint/syscalls/sys_enter_newuname", "no built-in traffic calls newuname; declare a generator or a command"),
        ("tracepoint/sched/sched_switch", "no built-in traffic makes sched/sched_switch"),
        ("kprobe/tcp_sendmsg", "no built-in traffic calls tcp_sendmsg"),
        ("raw_tp/sched_switch", "no built-in traffic makes sched_switch"),
    ])
    func notDerivableTraffic(section: String, reason: String) throws {
        #expect(try Hook.of(section: section).get().rawValue != "")
        guard case let .failure(why) = Hook.defaultTraffic(section: section) else {
            Issue.record("\(section) should have no default traffic"); return
        }
        #expect(why.reason.contains(reason), "\(why)")
    }

    /// Every hook has a counting program in the macro suite, and every map type the user-space suite times
    /// is one the table says is timed from user space.
    @Test func catalogue_matchesTheSuites() {
        for hook in Hook.allCases { #expect(MacroSuite.cases.contains { $0.name == "macro/count/\(hook.slug)" }, "\(hook)") }
        #expect(Hook.declarable.allSatisfy { $0 != .uprobe && $0 != .uretprobe })
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
        ]
        #expect(c.count == Hook.allCases.count && c.count == Int(PROBE_MAX.rawValue))
        for (hook, index) in c { #expect(hook.family.probeIndex == Int(index.rawValue), "\(hook)") }
    }
}
