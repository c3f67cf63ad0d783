import BPF
import BPFObjects
import CCurl
import Foundation
import Results

/// One answer of `bpfgate doctor`.
public struct Finding: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable {
        case ok, unsupported, missing, info
    }
    public var area: String
    public var item: String
    public var state: State
    public var detail: String
}

extension Finding {
    /// A probe that failed: `missing` when this process lacks a capability (the BPF layer checks them before
    /// it calls the kernel), else `unsupported` — also for EPERM with every capability present, which is the
    /// kernel refusing a feature (fentry without ftrace answers so here), not a privilege problem.
    static func failed(_ area: String, _ item: String, _ error: Error, prefix: String = "") -> Finding {
        var denied = false
        if case .missingPrivilege? = error as? BPFError { denied = true }
        return Finding(area: area, item: item, state: denied ? .missing : .unsupported, detail: prefix + "\(error)")
    }
}

/// Live probes of what this kernel and machine offer: every answer comes from creating the map, loading
/// the program or attaching it and seeing an event (bpftool's static helper probe claims every helper for
/// every program type on new kernels, so static probes are not trusted).
public enum Doctor {
    /// The hooks probed by loading and attaching the matching program of `bpf/probes.bpf.c`.
    public static let hooks: [(name: String, program: String, index: Int)] = [
        ("tracepoint", "probe_tracepoint", 0), ("raw_tracepoint", "probe_raw_tp", 1), ("tp_btf", "probe_tp_btf", 2),
        ("kprobe", "probe_kprobe", 3), ("kretprobe", "probe_kretprobe", 4), ("fentry", "probe_fentry", 5),
        ("fexit", "probe_fexit", 6), ("uprobe", "probe_uprobe", 7), ("uretprobe", "probe_uretprobe", 8),
        ("xdp", "probe_xdp", 9), ("tc", "probe_tc", 10), ("socket_filter", "probe_socket", 11),
        ("cgroup_skb", "probe_cgroup_skb", 12),
    ]

    public static func run() -> [Finding] {
        privileges() + kernel() + maps() + programTypes() + hooks.map { probeHook($0.name, program: $0.program, index: $0.index) }
    }

    // MARK: privileges and kernel

    static func privileges() -> [Finding] {
        let p = Privileges.current()
        let uses: [Capability: String] = [
            .bpf: "create maps, load programs", .perfmon: "tracing programs (with CAP_BPF)",
            .sysAdmin: "bpf_stats, and stands in for CAP_BPF/CAP_PERFMON", .netAdmin: "XDP and tc programs",
        ]
        return Capability.allCases.map { cap in
            Finding(area: "privilege", item: cap.name, state: p.has(cap) ? .ok : .missing, detail: uses[cap] ?? "")
        }
    }

    static func kernel() -> [Finding] {
        let tb = Environment.testbed()
        var out = [
            Finding(area: "machine", item: "release", state: .info, detail: "\(tb.kernelRelease) \(tb.architecture), \(tb.cpuCount) CPUs, \(tb.cpuModel)"),
            Finding(area: "machine", item: "libbpf", state: .info, detail: tb.libbpfVersion),
            Finding(area: "machine", item: "libcurl", state: .info, detail: String(cString: curl_version())),
            Finding(area: "machine", item: "clang (BPF objects)", state: .info, detail: tb.clangVersion),
            // Facts read from files, so `info`; the live answers are the hook probes (tp_btf needs BTF).
            Finding(area: "kernel", item: "BTF", state: .info,
                    detail: (FileManager.default.fileExists(atPath: "/sys/kernel/btf/vmlinux") ? "present" : "absent")
                        + " (/sys/kernel/btf/vmlinux: CO-RE, tp_btf and fentry need it; see the tp_btf hook)"),
            Finding(area: "kernel", item: "JIT", state: .info,
                    detail: "net.core.bpf_jit_enable=\(tb.jitEnabled ? 1 : 0), bpf_jit_harden=\(tb.jitHarden.map(String.init) ?? "unreadable")"),
            Finding(area: "kernel", item: "tracefs", state: TraceFS.isMounted ? .ok : .info,
                    detail: TraceFS.isMounted ? "mounted" : "not mounted; bpfgate mounts it at \(TraceFS.path) while it attaches tracepoints"),
        ]
        do {
            let stats = try StatsSession()
            stats.close()
            out.append(Finding(area: "kernel", item: "bpf_stats", state: .ok, detail: "bpf_enable_stats(BPF_STATS_RUN_TIME) works (fd-scoped)"))
        } catch {
            out.append(.failed("kernel", "bpf_stats", error))
        }
        return out
    }

    // MARK: maps and program types

    static func maps() -> [Finding] {
        var out = MapType.known.map { type -> Finding in
            if let need = needsContext(type) {
                return Finding(area: "map", item: type.name, state: .info, detail: "not probed by creation alone: needs \(need)")
            }
            do {
                _ = try BPFMap.create(type: type, name: "bpfgate_probe", keySize: keySize(type), valueSize: valueSize(type),
                                      maxEntries: maxEntries(type), flags: needsNoPrealloc(type) ? [.noPrealloc] : [])
                return Finding(area: "map", item: type.name, state: .ok, detail: "created")
            } catch {
                return .failed("map", type.name, error)
            }
        }
        for (flag, label) in [(MapFlags.noPrealloc, "hash+BPF_F_NO_PREALLOC"), (MapFlags.zeroSeed, "hash+BPF_F_ZERO_SEED")] {
            do {
                _ = try BPFMap.create(type: .hash, name: "bpfgate_probe", keySize: 4, valueSize: 8, maxEntries: 16, flags: flag)
                out.append(Finding(area: "map", item: label, state: .ok, detail: "created"))
            } catch {
                out.append(Finding.failed("map", label, error))
            }
        }
        return out
    }

    /// Sizes each map type accepts (the kernel rejects others with EINVAL, which is not "unsupported").
    static func keySize(_ t: MapType) -> Int {
        switch t.name {
        case "lpm_trie": return 8
        case "queue", "stack", "bloom_filter", "ringbuf", "user_ringbuf", "struct_ops", "arena": return 0
        case "cgroup_storage", "percpu_cgroup_storage": return 12
        default: return 4
        }
    }

    static func valueSize(_ t: MapType) -> Int {
        switch t.name {
        case "ringbuf", "user_ringbuf", "struct_ops", "arena": return 0
        case "perf_event_array", "prog_array", "cgroup_array", "array_of_maps", "hash_of_maps", "devmap",
             "devmap_hash", "sockmap", "sockhash", "xskmap", "reuseport_sockarray", "cpumap", "stack_trace":
            return t.name == "stack_trace" ? 8 * 127 : 4
        default: return 8
        }
    }

    static func maxEntries(_ t: MapType) -> Int {
        switch t.name {
        case "ringbuf", "user_ringbuf": return 4096
        case "sk_storage", "inode_storage", "task_storage", "cgrp_storage", "cgroup_storage", "percpu_cgroup_storage": return 0
        default: return 16
        }
    }

    /// Map types that cannot be created without more than sizes (an inner map, BTF of the value, a struct_ops type).
    static func needsContext(_ t: MapType) -> String? {
        switch t.name {
        case "array_of_maps", "hash_of_maps": return "an inner map"
        case "sk_storage", "inode_storage", "task_storage", "cgrp_storage": return "BTF for its value (a loaded object)"
        case "cgroup_storage", "percpu_cgroup_storage": return "a cgroup program that uses it"
        case "struct_ops": return "a kernel struct_ops type"
        default: return nil
        }
    }

    static func needsNoPrealloc(_ t: MapType) -> Bool {
        ["lpm_trie", "sk_storage", "inode_storage", "task_storage", "cgrp_storage"].contains(t.name)
    }

    static func programTypes() -> [Finding] {
        ProgramType.known.map { type in
            do {
                return try type.probeLoad()
                    ? Finding(area: "program", item: type.name, state: .ok, detail: "a minimal program loaded")
                    : Finding(area: "program", item: type.name, state: .unsupported, detail: "the kernel refused a minimal program")
            } catch {
                return .failed("program", type.name, error)
            }
        }
    }

    // MARK: hooks

    /// Loads one program of the probes object on its own, attaches it, makes events, and counts them.
    public static func probeHook(_ hook: String, program: String, index: Int) -> Finding {
        // The macro suite's lock: a tracefs mount or a tc qdisc on lo is never shared with another bpfgate.
        (try? MachineLock.with("macro") { probeHookLocked(hook, program: program, index: index) })
            ?? Finding(area: "hook", item: hook, state: .unsupported, detail: "could not take the bpfgate machine lock")
    }

    static func probeHookLocked(_ hook: String, program: String, index: Int) -> Finding {
        do {
            let object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
            defer { object.close() }
            try object.autoloadOnly(program)
            do { try object.load() } catch {
                return .failed("hook", hook, error, prefix: "load: ")
            }
            try countOnlyThisProcess(object)
            let prog = try object.program(named: program)
            let detach: () throws -> Void
            do {
                detach = try attach(hook, prog)
            } catch {
                return .failed("hook", hook, error, prefix: "attach: ")
            }
            try trigger(hook, prog)
            try detach()
            let seen = try object.map(named: "hits").sumPerCPU(UInt32(index))
            if seen == 0 {
                return Finding(area: "hook", item: hook, state: .unsupported, detail: "attached, but saw no event")
            }
            return Finding(area: "hook", item: hook, state: .ok, detail: "loaded, attached, \(seen) events seen")
        } catch {
            return .failed("hook", hook, error)
        }
    }

    /// Mounts tracefs if it is absent (libbpf needs it to attach tracepoints), journaled; returns the
    /// `Cleanup` token that unmounts it, or nil when it was there already.
    static func mountTraceFSIfAbsent() throws -> Int? {
        guard !TraceFS.isMounted else { return nil }
        return try Cleanup.shared.change("unmount tracefs", { try TraceFS.mount() }, leftover: { .tracefsMount(path: TraceFS.path) },
                                         undo: { TraceFS.unmount() }).token
    }

    /// Sets the object's `probe_cfg` (struct probe_config { target_tgid, pad }, bpf/probes.h) so that its
    /// programs count only this process's events.
    static func countOnlyThisProcess(_ object: BPFObject) throws {
        try object.map(named: "probe_cfg").update(UInt32(0), (UInt32(getpid()), UInt32(0)))
    }

    /// Attaches `prog` for `hook` and returns how to detach it (also registered for exit clean-up).
    static func attach(_ hook: String, _ prog: BPFProgram) throws -> () throws -> Void {
        switch hook {
        case "tracepoint":
            let mounted = try mountTraceFSIfAbsent()
            do {
                let link = try prog.attach()
                return { link.destroy(); if let mounted { Cleanup.shared.run(mounted) } }
            } catch {
                if let mounted { Cleanup.shared.run(mounted) }
                throw error
            }
        case "uprobe", "uretprobe":
            let link = try prog.attachUprobe(binary: UprobeTarget.binary, function: UprobeTarget.symbol, retprobe: hook == "uretprobe")
            return { link.destroy() }
        case "xdp":
            let link = try prog.attachXDP(ifindex: Int32(if_nametoindex("lo")))
            return { link.destroy() }
        case "tc":
            let (tc, token) = try Cleanup.shared.change(
                "detach tc from lo", { try prog.attachTC(ifindex: Int32(if_nametoindex("lo"))) },
                leftover: { .tcFilter(ifindex: $0.ifindex, egress: $0.egress, handle: $0.handle, priority: $0.priority, createdQdisc: $0.createdQdisc) },
                undo: { try? $0.destroy() })
            return { try tc.destroy(); Cleanup.shared.run(token) }
        case "socket_filter":
            return { }  // attached to the receiving socket inside trigger()
        case "cgroup_skb":
            let link = try prog.attachCgroup(path: try ownCgroupPath())
            return { link.destroy() }
        default:
            let link = try prog.attach()
            return { link.destroy() }
        }
    }

    /// The cgroup v2 directory of this process (cgroup2 may be mounted at /sys/fs/cgroup or, in hybrid
    /// set-ups, at /sys/fs/cgroup/unified).
    static func ownCgroupPath() throws -> String {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        let fields: [[Substring]] = mounts.split(separator: "\n").map { $0.split(separator: " ") }
        guard let entry = fields.first(where: { $0.count > 2 && $0[2] == "cgroup2" }) else {
            throw SystemCallError(call: "finding a cgroup v2 mount in /proc/self/mounts", errno: ENOENT)
        }
        let text = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        let rel = text.split(separator: "\n").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) } ?? "/"
        return String(entry[1]) + (rel == "/" ? "" : rel)
    }

    /// Makes events the hook sees: syscalls, calls of the uprobe target, or UDP datagrams over loopback.
    static func trigger(_ hook: String, _ prog: BPFProgram) throws {
        switch hook {
        case "uprobe", "uretprobe":
            UprobeTarget.call(times: 100)
        case "xdp", "tc", "cgroup_skb":
            try Loopback.sendDatagrams(10)
        case "socket_filter":
            try Loopback.sendDatagrams(10, filterProgram: prog.fd)
        case "kprobe", "kretprobe", "fentry", "fexit":
            for _ in 0 ..< 10 { let fd = open("/dev/null", O_RDONLY); if fd >= 0 { close(fd) } }
        default:
            for _ in 0 ..< 100 { _ = getppid() }
        }
    }
}
