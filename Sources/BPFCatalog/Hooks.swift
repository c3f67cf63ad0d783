/// The attach families bpfgate knows: the one table of hooks. Everything else (the doctor's probes, the macro
/// suite's cases, your objects' sections, the configuration's `attach`, the reports' order) reads it; the
/// kernel-bound attach code is `HookAttach` in Suites.
///
/// The raw value is the hook's name in declarations (`"attach": "raw_tracepoint"`) and in the doctor.
public enum Hook: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case tracepoint
    case rawTracepoint = "raw_tracepoint"
    case tpBTF = "tp_btf"
    case kprobe, kretprobe, fentry, fexit
    case uprobe, uretprobe
    case xdp, tc
    case socketFilter = "socket_filter"
    case cgroupSKB = "cgroup_skb"
    case perfEvent = "perf_event"
    case iter
    case lsm
    case usdt

    public var description: String { rawValue }

    /// What the hook needs from the machine besides the program.
    public enum Need: String, Sendable {
        /// tracefs mounted while libbpf attaches (it reads the event's id there).
        case tracefs
        /// The kernel's BTF (/sys/kernel/btf/vmlinux): the verifier checks the program against its target.
        case btf
        /// A function of bpfgate's own binary to probe.
        case ownBinary
        /// A network device (bpfgate's veth pair, or lo for the doctor).
        case netDevice
        /// A receiving socket of bpfgate's own.
        case socket
        /// A cgroup v2 directory of bpfgate's own.
        case cgroup
        /// A software CPU-clock perf event on every CPU, opened by bpfgate (`perf_event_open`).
        case perfEvent
    }

    /// One row of the table.
    public struct Family: Sendable {
        /// The hook's segment in benchmark names (`macro/count/raw-tracepoint`).
        public let slug: String
        /// Section prefixes libbpf recognises for it (`SEC("tp/...")`).
        public let sectionPrefixes: [String]
        /// The counting program of `bpf/probes.bpf.c` on this hook (the doctor's probe, the macro suite's
        /// `count` program and every reference), and its counter's index there (`enum probe_hook`, bpf/probes.h).
        public let probe: String
        public let probeIndex: Int
        /// The traffic that makes the probe's events.
        public let traffic: TrafficKind
        public let needs: [Need]
        /// Why this machine may lack the family (then reported unsupported with the kernel's answer, not
        /// failed), or nil: failing to attach it is a failed benchmark.
        public let mayBeUnsupported: String?
        /// Whether a declaration may name it and your objects' sections derive it (uprobes need your binary).
        public let declarable: Bool
    }

    public var family: Family {
        switch self {
        case .tracepoint:
            return Family(slug: "tracepoint", sectionPrefixes: ["tracepoint", "tp"], probe: "probe_tracepoint", probeIndex: 0,
                          traffic: .getppid, needs: [.tracefs], mayBeUnsupported: nil, declarable: true)
        case .rawTracepoint:
            return Family(slug: "raw-tracepoint", sectionPrefixes: ["raw_tracepoint", "raw_tp"], probe: "probe_raw_tp", probeIndex: 1,
                          traffic: .getppid, needs: [], mayBeUnsupported: nil, declarable: true)
        case .tpBTF:
            return Family(slug: "tp-btf", sectionPrefixes: ["tp_btf"], probe: "probe_tp_btf", probeIndex: 2,
                          traffic: .getppid, needs: [.btf], mayBeUnsupported: nil, declarable: true)
        case .kprobe:
            return Family(slug: "kprobe", sectionPrefixes: ["kprobe", "ksyscall"], probe: "probe_kprobe", probeIndex: 3, traffic: .openat,
                          needs: [], mayBeUnsupported: "a kernel without kprobe events", declarable: true)
        case .kretprobe:
            return Family(slug: "kretprobe", sectionPrefixes: ["kretprobe", "kretsyscall"], probe: "probe_kretprobe", probeIndex: 4, traffic: .openat,
                          needs: [], mayBeUnsupported: "a kernel without kprobe events", declarable: true)
        case .fentry:
            return Family(slug: "fentry", sectionPrefixes: ["fentry"], probe: "probe_fentry", probeIndex: 5, traffic: .openat,
                          needs: [.btf], mayBeUnsupported: "a kernel without ftrace (BPF trampolines)", declarable: true)
        case .fexit:
            return Family(slug: "fexit", sectionPrefixes: ["fexit"], probe: "probe_fexit", probeIndex: 6, traffic: .openat,
                          needs: [.btf], mayBeUnsupported: "a kernel without ftrace (BPF trampolines)", declarable: true)
        case .uprobe:
            // bpfgate's own function by default; your binary and function by a declaration's `target`.
            return Family(slug: "uprobe", sectionPrefixes: ["uprobe", "uprobe.s"], probe: "probe_uprobe", probeIndex: 7,
                          traffic: .uprobe, needs: [.ownBinary], mayBeUnsupported: nil, declarable: true)
        case .uretprobe:
            return Family(slug: "uretprobe", sectionPrefixes: ["uretprobe", "uretprobe.s"], probe: "probe_uretprobe", probeIndex: 8,
                          traffic: .uprobe, needs: [.ownBinary], mayBeUnsupported: nil, declarable: true)
        case .xdp:
            return Family(slug: "xdp", sectionPrefixes: ["xdp", "xdp.frags"], probe: "probe_xdp", probeIndex: 9, traffic: .udp,
                          needs: [.netDevice], mayBeUnsupported: nil, declarable: true)
        case .tc:
            return Family(slug: "tc", sectionPrefixes: ["tc", "classifier"], probe: "probe_tc", probeIndex: 10, traffic: .udp,
                          needs: [.netDevice], mayBeUnsupported: nil, declarable: true)
        case .socketFilter:
            return Family(slug: "socket-filter", sectionPrefixes: ["socket"], probe: "probe_socket", probeIndex: 11, traffic: .udp,
                          needs: [.socket], mayBeUnsupported: nil, declarable: true)
        case .cgroupSKB:
            return Family(slug: "cgroup-skb", sectionPrefixes: ["cgroup_skb"], probe: "probe_cgroup_skb", probeIndex: 12, traffic: .udp,
                          needs: [.cgroup], mayBeUnsupported: nil, declarable: true)
        case .perfEvent:
            // The events are the clock's samples; the getppid loop keeps a CPU busy, so that they land in a task,
            // and is the workload whose rate the overhead is measured on.
            return Family(slug: "perf-event", sectionPrefixes: ["perf_event"], probe: "probe_perf_event", probeIndex: 13, traffic: .getppid,
                          needs: [.perfEvent], mayBeUnsupported: "a kernel or VM without software perf events", declarable: true)
        case .iter:
            // The program is its own workload: bpfgate reads its iterator (every task, for `iter/task`) in a loop.
            return Family(slug: "iter", sectionPrefixes: ["iter", "iter.s"], probe: "probe_iter", probeIndex: 14, traffic: .iterate,
                          needs: [.btf], mayBeUnsupported: nil, declarable: true)
        case .lsm:
            // Your LSM programs run only with your opt-in (`hostWide` in a declaration): they act on every process.
            // bpfgate's own counting program allows everything.
            return Family(slug: "lsm", sectionPrefixes: ["lsm", "lsm.s"], probe: "probe_lsm", probeIndex: 15, traffic: .openat,
                          needs: [.btf], mayBeUnsupported: "a kernel without BPF LSM (bpf missing from its lsm= list)", declarable: true)
        case .usdt:
            // bpfgate's own probe (`bpfgate:target`, in the uprobe target function) by default; your binary's by a
            // declaration's `target`.
            return Family(slug: "usdt", sectionPrefixes: ["usdt", "usdt.s"], probe: "probe_usdt", probeIndex: 16, traffic: .uprobe,
                          needs: [.ownBinary], mayBeUnsupported: nil, declarable: true)
        }
    }

    public var slug: String { family.slug }
    /// Tracing hooks, driven by kernel events that some workload makes: where no table knows the event, the
    /// workload can be discovered by trying them.
    public var isDrivenByEvents: Bool { !isPacket && family.traffic != .uprobe && family.traffic != .iterate }
    /// Packet hooks: driven by packets over bpfgate's veth pair.
    public var isPacket: Bool { family.traffic.isPacket }
    /// The hooks a declaration may name.
    public static var declarable: [Hook] { allCases.filter(\.family.declarable) }

    /// The hook whose slug is `slug` (a benchmark-name segment).
    public init?(slug: String) {
        guard let hook = Hook.allCases.first(where: { $0.slug == slug }) else { return nil }
        self = hook
    }
}

/// Why bpfgate does not drive a program: "not derivable: <reason>", or "refused: <reason>" when it could
/// but will not, because the program would change the host's behaviour (`Refusal`).
public struct NotDerivable: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public let refused: Bool
    public init(_ reason: String, refused: Bool = false) {
        self.reason = reason
        self.refused = refused
    }
    public var description: String { "\(refused ? "refused" : "not derivable"): \(reason)" }
}

// MARK: sections

extension Hook {
    /// The hook a program's ELF section attaches to, or why bpfgate cannot attach it:
    /// - `tracepoint/<category>/<name>`, `tp/...` -> tracepoint; `raw_tracepoint/<name>`, `raw_tp/...`;
    ///   `tp_btf|kprobe|kretprobe|fentry|fexit/<target>`;
    /// - `xdp`, `xdp_<name>` (libbpf's older convention); `tc`, `classifier` (ingress); `socket`; `cgroup_skb/ingress`;
    ///   `perf_event` (on bpfgate's CPU-clock events);
    /// - uprobes (they need your binary and workload), egress hooks and any other section: not derivable;
    /// - LSM, fmod_ret and struct_ops programs: refused (`Refusal`).
    /// `hostWide`: your opt-in to programs that act on every process (LSM sections are then attached; fmod_ret and
    /// struct_ops have no hook in bpfgate).
    public static func of(section: String, hostWide: Bool = false) -> Result<Hook, NotDerivable> {
        if !hostWide, let refused = Refusal.of(section: section) { return .failure(refused) }
        if isLegacyXDP(section) { return .success(.xdp) }
        let parts = section.split(separator: "/", maxSplits: 1).map(String.init)
        let prefix = parts.first ?? ""
        let hasTarget = parts.count == 2
        guard let hook = Hook.allCases.first(where: { $0.family.sectionPrefixes.contains(prefix) }) else {
            return .failure(.init("section '\(section)' has no default attach in bpfgate"))
        }
        switch hook {
        case .tracepoint, .rawTracepoint:
            return hasTarget ? .success(hook) : .failure(.init("the section names no tracepoint"))
        case .tpBTF, .kprobe, .kretprobe, .fentry, .fexit, .lsm:
            return hasTarget ? .success(hook) : .failure(.init("the section names no target"))
        case .tc:
            return hasTarget && parts[1] != "ingress" ? .failure(.init("bpfgate attaches tc at ingress of its veth only")) : .success(.tc)
        case .cgroupSKB:
            return hasTarget && parts[1] == "ingress" ? .success(.cgroupSKB) : .failure(.init("bpfgate attaches cgroup_skb at ingress only"))
        case .uprobe, .uretprobe, .usdt:
            // Bare: bpfgate's own target; with one (`uprobe/<binary>:<function>`): that, driven by your command.
            return .success(hook)
        case .xdp where hasTarget && ["devmap", "cpumap"].contains(parts[1]):
            return .failure(.init("an XDP program for \(parts[1]) entries runs when a redirect through your loader's map reaches it, not on an interface"))
        case .xdp, .socketFilter, .perfEvent:
            return .success(hook)
        case .iter:
            guard hasTarget else { return .failure(.init("the section names no iterator")) }
            if iteratorsNeedingAMap.contains(parts[1]) {
                return .failure(.init("the iterator '\(parts[1])' walks a map that only your loader knows"))
            }
            return .success(.iter)
        }
    }

    /// Iterator targets that attach only with a map's fd (`bpf_iter_link_info.map`).
    static let iteratorsNeedingAMap: Set<String> = ["bpf_map_elem", "bpf_sk_storage_map", "sockmap"]

    /// `xdp_<anything>` (`SEC("xdp_pass")`): XDP by the convention of libbpf before 1.0, which read section
    /// prefixes; libbpf 1.x leaves the type unset and the loader sets it, as bpfgate does (`useXDPType`).
    public static func isLegacyXDP(_ section: String) -> Bool {
        section.hasPrefix("xdp_") && !section.contains("/")
    }

    /// The built-in workload that makes the section's events, or why there is none (`TrafficKind`'s table):
    /// - `tracepoint/syscalls/sys_{enter,exit}_<name>`: the workload that calls that syscall;
    /// - `tracepoint/raw_syscalls/*` and `raw_tp|tp_btf/sys_{enter,exit}`: getppid (every syscall fires them);
    /// - other tracepoints, raw tracepoints and BTF tracepoints: the workload that fires the event;
    /// - kprobes, fentry, fexit: the workload that calls the function;
    /// - packet hooks: UDP over bpfgate's veth pair; perf_event: a getppid loop under bpfgate's CPU-clock samples;
    /// - iterators: reading the iterator.
    public static func defaultTraffic(section: String) -> Result<TrafficKind, NotDerivable> {
        let parts = section.split(separator: "/").map(String.init)
        let hook = Hook.allCases.first { $0.family.sectionPrefixes.contains(parts.first ?? "") }
        let target = parts.dropFirst().joined(separator: "/")
        func none(_ what: String) -> Result<TrafficKind, NotDerivable> {
            .failure(.init("no built-in workload \(what); declare a generator or a command"))
        }
        switch hook {
        case .tracepoint?:
            guard parts.count == 3 else { return .failure(.init("the section names no tracepoint")) }
            let (category, event) = (parts[1], parts[2])
            if category == "raw_syscalls" && ["sys_enter", "sys_exit"].contains(event) { return .success(.getppid) }
            if category == "syscalls" {
                let call = event.hasPrefix("sys_enter_") ? String(event.dropFirst(10)) : event.hasPrefix("sys_exit_") ? String(event.dropFirst(9)) : event
                if let kind = TrafficKind.calling(call) { return .success(kind) }
                return none("calls \(call)")
            }
            if let kind = TrafficKind.firing(event, category: category) { return .success(kind) }
            return none("fires \(target)")
        case .rawTracepoint?, .tpBTF?:
            guard parts.count == 2 else { return .failure(.init("the section names no tracepoint")) }
            if ["sys_enter", "sys_exit"].contains(parts[1]) { return .success(.getppid) }
            if let kind = TrafficKind.firing(parts[1]) { return .success(kind) }
            return none("fires \(parts[1])")
        case .kprobe?, .kretprobe?:
            // `ksyscall/<syscall>` (libbpf's kprobe on the syscall's entry point, whatever the architecture calls it).
            if ["ksyscall", "kretsyscall"].contains(parts.first), parts.count == 2 {
                return TrafficKind.calling(parts[1]).map { .success($0) } ?? none("calls \(parts[1])")
            }
            fallthrough
        case .fentry?, .fexit?:
            let function = String((parts.count > 1 ? parts[1] : "").split(separator: "+").first ?? "")
            if function.isEmpty { return .failure(.init("the section names no function")) }
            if let kind = TrafficKind.reaching(function: function) { return .success(kind) }
            return none("calls \(function)")
        case .xdp?, .tc?, .socketFilter?, .cgroupSKB?:
            return .success(.udp)
        case .perfEvent?:
            return .success(.getppid)
        case .iter?:
            return .success(.iterate)
        case .lsm?:
            // Which syscalls reach an LSM hook is the kernel's business: found at run time (`Discovery`).
            return none("reaches the LSM hook \(target)")
        case nil where isLegacyXDP(section):
            return .success(.udp)
        case .uprobe?, .uretprobe?, .usdt?:
            // Bare: bpfgate's own target, which its `uprobe` workload calls; a target of yours needs your command.
            guard let t = ProbeTarget.of(section: section) else { return .success(.uprobe) }
            if t.binary == "/proc/self/exe" {
                return .failure(.init("it probes its own loader (\(t)): declare a target of yours and a command that reaches it"))
            }
            return .failure(.init("it probes \(t), which bpfgate does not call: declare a command that does"))
        case nil:
            return .failure(.init("section '\(section)' has no default traffic in bpfgate"))
        }
    }
}

/// Where the counting reference of a measured program attaches: the measured program's own target, read
/// from its section. The counting programs of `bpf/probes.bpf.c` are written for one target each
/// (`probe_tracepoint` on getppid's tracepoint, ...); on a program of openat's tracepoint, that reference
/// would never run under openat traffic. So tracepoints attach by category and name, raw tracepoints by
/// name, kprobes by function, and BTF hooks (tp_btf, fentry, fexit) are retargeted before load.
public enum ReferenceTarget: Equatable, Sendable, CustomStringConvertible {
    /// `bpf_program__attach_tracepoint(category, name)`.
    case tracepoint(category: String, name: String)
    /// `bpf_program__attach_raw_tracepoint(name)`.
    case rawTracepoint(String)
    /// `bpf_program__set_attach_target` before load (tp_btf: the tracepoint; fentry/fexit: the function; iter:
    /// the iterator, `task` for `bpf_iter_task`).
    case btf(String)
    /// `bpf_program__attach_kprobe(function)`.
    case kprobe(function: String, retprobe: Bool)
    /// Packet hooks, uprobes and sections bpfgate cannot read: attached as the measured program is (the
    /// same veth, socket, cgroup or uprobe target) or by the reference's own section.
    case sameHook

    /// The kernel's name of a syscall's entry point on this architecture, less the syscall (`ksyscall` sections).
    #if arch(arm64)
    static let syscallEntryPrefix = "__arm64_sys_"
    #else
    static let syscallEntryPrefix = "__x64_sys_"
    #endif

    /// The target of a program of `hook` in section `section`.
    public static func of(hook: Hook, section: String) -> ReferenceTarget {
        let parts = section.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let prefix = parts.first ?? ""
        let rest = parts.dropFirst().joined(separator: "/")
        guard hook.family.sectionPrefixes.contains(prefix) else { return .sameHook }
        switch hook {
        case .tracepoint where parts.count == 3 && !parts[1].isEmpty && !parts[2].isEmpty:
            return .tracepoint(category: parts[1], name: parts[2])
        case .rawTracepoint where !rest.isEmpty:
            return .rawTracepoint(rest)
        case .tpBTF where !rest.isEmpty, .fentry where !rest.isEmpty, .fexit where !rest.isEmpty, .iter where !rest.isEmpty,
             .lsm where !rest.isEmpty:
            return .btf(rest)
        case .kprobe where prefix == "ksyscall" && !rest.isEmpty, .kretprobe where prefix == "kretsyscall" && !rest.isEmpty:
            return .kprobe(function: syscallEntryPrefix + rest, retprobe: hook == .kretprobe)
        case .kprobe where !rest.isEmpty, .kretprobe where !rest.isEmpty:
            // `kprobe/function+offset`: the reference goes on the function.
            return .kprobe(function: String(rest.split(separator: "+").first ?? Substring(rest)), retprobe: hook == .kretprobe)
        default:
            return .sameHook
        }
    }

    public var description: String {
        switch self {
        case let .tracepoint(category, name): return "tracepoint \(category)/\(name)"
        case let .rawTracepoint(name): return "raw tracepoint \(name)"
        case let .btf(target): return "BTF target \(target)"
        case let .kprobe(function, retprobe): return "\(retprobe ? "kretprobe" : "kprobe") \(function)"
        case .sameHook: return "the program's hook"
        }
    }
}
