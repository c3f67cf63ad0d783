import BPF
import BPFCatalog
import BPFObjects
import Foundation
import Harness
import Results

/// One answer of `bpfgate doctor`.
public struct DoctorAnswer: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable {
        case ok, unsupported, missing, info
    }
    public var area: String
    public var item: String
    public var state: State
    public var detail: String
}

extension DoctorAnswer {
    /// A probe that failed: `missing` when this process lacks a capability (the BPF layer checks them before
    /// it calls the kernel), else `unsupported` — also for EPERM with every capability present, which is the
    /// kernel refusing a feature (fentry without ftrace answers so here), not a privilege problem.
    static func failed(_ area: String, _ item: String, _ error: Error, prefix: String = "") -> DoctorAnswer {
        var denied = false
        if case .missingPrivilege? = error as? BPFError { denied = true }
        return DoctorAnswer(area: area, item: item, state: denied ? .missing : .unsupported, detail: prefix + "\(error)")
    }
}

/// Live probes of what this kernel and machine offer: every answer comes from creating the map, loading
/// the program or attaching it and seeing an event (bpftool's static helper probe claims every helper for
/// every program type on new kernels, so static probes are not trusted).
public enum Doctor {
    public static func run(libcurl: String? = nil) -> [DoctorAnswer] {
        privileges() + kernel(libcurl: libcurl) + maps() + programTypes() + Hook.allCases.map { probeHook($0) }
    }

    // MARK: privileges and kernel

    static func privileges() -> [DoctorAnswer] {
        let p = Privileges.current()
        let uses: [Capability: String] = [
            .bpf: "create maps, load programs", .perfmon: "tracing programs (with CAP_BPF)",
            .sysAdmin: "bpf_stats, and stands in for CAP_BPF/CAP_PERFMON", .netAdmin: "XDP and tc programs",
        ]
        return Capability.allCases.map { cap in
            DoctorAnswer(area: "privilege", item: cap.name, state: p.has(cap) ? .ok : .missing, detail: uses[cap] ?? "")
        }
    }

    static func kernel(libcurl: String?) -> [DoctorAnswer] {
        let tb = Environment.testbed()
        var out = [
            DoctorAnswer(area: "machine", item: "release", state: .info, detail: "\(tb.kernelRelease) \(tb.architecture), \(tb.cpuCount) CPUs, \(tb.cpuModel)"),
            DoctorAnswer(area: "machine", item: "libbpf", state: .info, detail: tb.libbpfVersion),
            DoctorAnswer(area: "machine", item: "clang (BPF objects)", state: .info, detail: tb.clangVersion),
            // Facts read from files, so `info`; the live answers are the hook probes (tp_btf needs BTF).
            DoctorAnswer(area: "kernel", item: "BTF", state: .info,
                    detail: (FileManager.default.fileExists(atPath: "/sys/kernel/btf/vmlinux") ? "present" : "absent")
                        + " (/sys/kernel/btf/vmlinux: CO-RE, tp_btf and fentry need it; see the tp_btf hook)"),
            DoctorAnswer(area: "kernel", item: "JIT", state: .info,
                    detail: "net.core.bpf_jit_enable=\(tb.jitEnabled ? 1 : 0), bpf_jit_harden=\(tb.jitHarden.map(String.init) ?? "unreadable")"),
            DoctorAnswer(area: "kernel", item: "tracefs", state: TraceFS.isMounted ? .ok : .info,
                    detail: TraceFS.isMounted ? "mounted" : "not mounted; bpfgate mounts it at \(TraceFS.path) while it attaches tracepoints"),
        ]
        if let libcurl { out.insert(DoctorAnswer(area: "machine", item: "libcurl", state: .info, detail: libcurl), at: 2) }
        do {
            let stats = try StatsSession()
            stats.close()
            out.append(DoctorAnswer(area: "kernel", item: "bpf_stats", state: .ok, detail: "bpf_enable_stats(BPF_STATS_RUN_TIME) works (fd-scoped)"))
        } catch {
            out.append(.failed("kernel", "bpf_stats", error))
        }
        return out
    }

    // MARK: maps and program types

    static func maps() -> [DoctorAnswer] {
        var out = MapType.known.map { type -> DoctorAnswer in
            // A type newer than bpfgate's table is probed with the common sizes.
            let facts = type.facts ?? MapTypeFacts(type.name)
            if let need = facts.needsContext {
                return DoctorAnswer(area: "map", item: type.name, state: .info, detail: "not probed by creation alone: needs \(need)")
            }
            do {
                _ = try BPFMap.create(type: type, name: "bpfgate_probe", keySize: facts.probeKeySize, valueSize: facts.probeValueSize,
                                      maxEntries: facts.probeMaxEntries, flags: facts.needsNoPrealloc ? [.noPrealloc] : [])
                return DoctorAnswer(area: "map", item: type.name, state: .ok, detail: "created")
            } catch {
                return .failed("map", type.name, error)
            }
        }
        for (flag, label) in [(MapFlags.noPrealloc, "hash+BPF_F_NO_PREALLOC"), (MapFlags.zeroSeed, "hash+BPF_F_ZERO_SEED")] {
            do {
                _ = try BPFMap.create(type: .hash, name: "bpfgate_probe", keySize: 4, valueSize: 8, maxEntries: 16, flags: flag)
                out.append(DoctorAnswer(area: "map", item: label, state: .ok, detail: "created"))
            } catch {
                out.append(DoctorAnswer.failed("map", label, error))
            }
        }
        return out
    }

    static func programTypes() -> [DoctorAnswer] {
        ProgramType.known.map { type in
            do {
                return try type.probeLoad()
                    ? DoctorAnswer(area: "program", item: type.name, state: .ok, detail: "a minimal program loaded")
                    : DoctorAnswer(area: "program", item: type.name, state: .unsupported, detail: "the kernel refused a minimal program")
            } catch {
                return .failed("program", type.name, error)
            }
        }
    }

    // MARK: hooks

    /// Loads the hook's counting program of the probes object on its own, attaches it on the host, makes
    /// events, and counts them.
    public static func probeHook(_ hook: Hook) -> DoctorAnswer {
        // The macro suite's lock: a tracefs mount or a tc qdisc on lo is never shared with another bpfgate.
        (try? MachineLock.with("macro") { probeHookLocked(hook) })
            ?? DoctorAnswer(area: "hook", item: hook.rawValue, state: .unsupported, detail: "could not take the bpfgate machine lock")
    }

    static func probeHookLocked(_ hook: Hook) -> DoctorAnswer {
        let item = hook.rawValue
        do {
            let object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
            defer { object.close() }
            try object.autoloadOnly(hook.family.probe)
            do { try object.load() } catch {
                return .failed("hook", item, error, prefix: "load: ")
            }
            try HookAttach.countOnlyThisProcess(object)
            let prog = try object.program(named: hook.family.probe)
            let detach: Detach
            let iterator = hook.family.traffic.facts.needs.contains(.iterator) ? try IteratorSlot() : nil
            do {
                detach = try HookAttach.attach(hook, prog, at: iterator.map { .iterator($0) } ?? .host)
            } catch {
                return .failed("hook", item, error, prefix: "attach: ")
            }
            if let iterator { _ = try iterator.readOnce() } else { try trigger(hook, prog) }
            try detach()
            let seen = try object.map(named: "hits").sumPerCPU(UInt32(hook.family.probeIndex))
            if seen == 0 {
                return DoctorAnswer(area: "hook", item: item, state: .unsupported, detail: "attached, but saw no event")
            }
            return DoctorAnswer(area: "hook", item: item, state: .ok, detail: "loaded, attached, \(seen) events seen")
        } catch {
            return .failed("hook", item, error)
        }
    }

    /// Makes events the hook's probe sees, by its family's traffic: syscalls, calls of the uprobe target, or
    /// UDP datagrams over loopback (through the socket filter for that hook).
    static func trigger(_ hook: Hook, _ prog: BPFProgram) throws {
        if hook.family.needs.contains(.perfEvent) {
            // Clock samples land in whatever runs: keep this thread busy for 200 of them.
            let end = monotonicNanoseconds() + 200 * HookAttach.perfEventPeriodNanoseconds
            while monotonicNanoseconds() < end { _ = getppid() }
            return
        }
        switch hook.family.traffic {
        case .uprobe:
            UprobeTarget.call(times: 100)
        case .udp, .tcp:
            try Loopback.sendDatagrams(10, filterProgram: hook == .socketFilter ? prog.fd : nil)
        case .openat:
            for _ in 0 ..< 10 { let fd = open("/dev/null", O_RDONLY); if fd >= 0 { close(fd) } }
        default:  // the syscall tracepoint families: getppid
            for _ in 0 ..< 100 { _ = getppid() }
        }
    }
}
