import BPF
import BPFCatalog
import CBPFLayouts
import CHarness
import Foundation

/// Where a program attaches.
public enum AttachSite {
    /// The host: packet hooks on `lo`, the socket filter nowhere (the doctor attaches it to its receiving socket
    /// while it sends), cgroup_skb on bpfgate's own cgroup.
    case host
    /// bpfgate's veth pair (`PacketPath`): XDP and tc on `bg-rx` inside its namespace, the socket filter on the
    /// receiving socket, cgroup_skb ingress on the receiving socket's own cgroup. Other hooks attach as on the host.
    case packetPath(PacketPath, OwnCgroup?)
    /// The host, with a reader for iterators: an iterator program's link goes into the slot, which the `iterate`
    /// workload (or the doctor) reads.
    case iterator(IteratorSlot)
    /// The host, with uprobes and USDT programs on this target instead of bpfgate's own (`UprobeTarget`).
    case userProbe(ProbeTarget)
}

/// How to undo an attachment (also registered for clean-up on exit where it outlives the process).
public typealias Detach = () throws -> Void

/// The kernel-bound half of the hook table (`Hook` in BPFCatalog): attaching a program of each family, for the
/// doctor's probes, the macro suite, your objects and the references. One place, one switch.
public enum HookAttach {
    /// Attaches `program` for `hook` at `site` and returns how to detach it. A tracepoint mounts tracefs first if
    /// it is absent (journaled) and unmounts it on detach.
    public static func attach(_ hook: Hook, _ program: BPFProgram, at site: AttachSite) throws -> Detach {
        try afterRelease { try attachOnce(hook, program, at: site) }
    }

    /// A perf-event attachment (tracepoints, kprobes, uprobes) is released when the last descriptor of its event
    /// closes. A child that execs copies bpfgate's descriptor table for a moment (before it closes the close-on-exec
    /// ones), so an attachment just detached can outlive its detach by that moment, and attaching the same program
    /// to the same event then fails with EEXIST (ARCHITECTURE.md, decisions). Such an attach is tried again for up to
    /// 200 ms; any other error, or EEXIST past that, is the kernel's answer.
    static func afterRelease(_ attach: () throws -> Detach) throws -> Detach {
        let deadline = monotonicNanoseconds() + 200_000_000
        while true {
            do { return try attach() } catch let error as BPFError where error.errno == EEXIST && monotonicNanoseconds() < deadline {
                usleep(1000)
            }
        }
    }

    static func attachOnce(_ hook: Hook, _ program: BPFProgram, at site: AttachSite) throws -> Detach {
        switch (hook, site) {
        case (.tracepoint, _):
            return try withTraceFS { let link = try program.attach(); return { link.destroy() } }
        case let (.uprobe, .userProbe(t)), let (.uretprobe, .userProbe(t)):
            let link = try program.attachUprobe(binary: t.binary, function: t.function ?? "", retprobe: hook == .uretprobe)
            return { link.destroy() }
        case (.uprobe, _), (.uretprobe, _):
            let link = try program.attachUprobe(binary: UprobeTarget.binary, function: UprobeTarget.symbol, retprobe: hook == .uretprobe)
            return { link.destroy() }
        case let (.usdt, .userProbe(t)):
            let link = try program.attachUSDT(binary: t.binary, provider: t.provider ?? "", name: t.name ?? "")
            return { link.destroy() }
        case (.usdt, _):
            let link = try program.attachUSDT(binary: UprobeTarget.binary, provider: UprobeTarget.usdtProvider, name: UprobeTarget.usdtName)
            return { link.destroy() }
        case (.xdp, .host), (.xdp, .iterator), (.xdp, .userProbe):
            let link = try program.attachXDP(ifindex: Int32(if_nametoindex("lo")))
            return { link.destroy() }
        case let (.xdp, .packetPath(path, _)):
            let link = try PacketPath.inside(path.rx) { try program.attachXDP(ifindex: path.rxIfindex) }
            return { link.destroy() }
        case (.tc, .host), (.tc, .iterator), (.tc, .userProbe):
            // A clsact qdisc on the host's lo outlives the process: journaled, undone on any exit.
            let (tc, token) = try Cleanup.shared.change(
                "detach tc from lo", { try program.attachTC(ifindex: Int32(if_nametoindex("lo"))) },
                leftover: { .tcFilter(ifindex: $0.ifindex, egress: $0.egress, handle: $0.handle, priority: $0.priority, createdQdisc: $0.createdQdisc) },
                undo: { try? $0.destroy() })
            return { try tc.destroy(); Cleanup.shared.run(token) }
        case let (.tc, .packetPath(path, _)):
            // The clsact qdisc lives in bpfgate's own namespace: it goes with it, no journal needed.
            let tc = try PacketPath.inside(path.rx) { try program.attachTC(ifindex: path.rxIfindex) }
            return { try PacketPath.inside(path.rx) { try tc.destroy() } }
        case (.socketFilter, .host), (.socketFilter, .iterator), (.socketFilter, .userProbe):
            return { }  // attached to the receiving socket while the doctor sends (`Loopback.sendDatagrams`)
        case let (.socketFilter, .packetPath(path, _)):
            try path.attachSocketFilter(program.fd)
            return { try path.detachSocketFilter() }
        case (.cgroupSKB, .host), (.cgroupSKB, .iterator), (.cgroupSKB, .userProbe):
            let link = try program.attachCgroup(path: try ownCgroupPath())
            return { link.destroy() }
        case let (.cgroupSKB, .packetPath(_, cgroup)):
            guard let cgroup else { throw SystemCallError(call: "cgroup_skb without a cgroup", errno: EINVAL) }
            let link = try program.attachCgroup(path: cgroup.path)
            return { link.destroy() }
        case (.perfEvent, _):
            return try attachPerfEvents(program)
        case let (.iter, .iterator(slot)):
            let link = try program.attach()
            slot.set(linkFD: link.fd)
            return { slot.set(linkFD: -1); link.destroy() }
        case (.iter, _):
            throw SystemCallError(call: "attaching an iterator without a reader", errno: EINVAL)
        case (.rawTracepoint, _), (.tpBTF, _), (.kprobe, _), (.kretprobe, _), (.fentry, _), (.fexit, _), (.lsm, _):
            let link = try program.attach()
            return { link.destroy() }
        }
    }

    /// The sampling period of bpfgate's perf events: 10,000 samples per second on a busy CPU.
    public static let perfEventPeriodNanoseconds: UInt64 = 100_000

    /// Samples every CPU's software clock with `program`: one perf event and one link per CPU (an offline CPU is
    /// skipped). The links own the events: detaching closes them.
    static func attachPerfEvents(_ program: BPFProgram) throws -> Detach {
        var links: [BPFLink] = []
        do {
            for cpu in 0 ..< Int32(max(1, sysconf(Int32(_SC_NPROCESSORS_CONF)))) {
                let fd = bpfgate_perf_event_cpu_clock(cpu, perfEventPeriodNanoseconds)
                if fd == -ENODEV { continue }
                if fd < 0 { throw BPFError.call("perf_event_open(cpu-clock, cpu \(cpu))", errno: -fd) }
                do { links.append(try program.attachPerfEvent(fd: fd)) } catch {
                    close(fd)
                    throw error
                }
            }
        } catch {
            links.forEach { $0.destroy() }
            throw error
        }
        return { links.forEach { $0.destroy() } }
    }

    /// Attaches a counting reference to `target` (its measured program's own target), or as the measured
    /// program is for `.btf` (retargeted before load) and `.sameHook`.
    public static func attach(reference program: BPFProgram, to target: ReferenceTarget, hook: Hook, at site: AttachSite) throws -> Detach {
        try afterRelease { try attachOnce(reference: program, to: target, hook: hook, at: site) }
    }

    static func attachOnce(reference program: BPFProgram, to target: ReferenceTarget, hook: Hook, at site: AttachSite) throws -> Detach {
        switch target {
        case let .tracepoint(category, name):
            return try withTraceFS {
                let link = try program.attachTracepoint(category: category, name: name)
                return { link.destroy() }
            }
        case let .rawTracepoint(name):
            let link = try program.attachRawTracepoint(name: name)
            return { link.destroy() }
        case let .kprobe(function, retprobe):
            let link = try program.attachKprobe(function: function, retprobe: retprobe)
            return { link.destroy() }
        case .btf, .sameHook:
            return try attachOnce(hook, program, at: site)
        }
    }

    /// Runs `attach` with tracefs mounted (mounted here if absent, journaled); the returned detach unmounts it
    /// again, and so does a failed attach.
    static func withTraceFS(_ attach: () throws -> Detach) throws -> Detach {
        let mounted = try mountTraceFSIfAbsent()
        do {
            let detach = try attach()
            return { try detach(); if let mounted { Cleanup.shared.run(mounted) } }
        } catch {
            if let mounted { Cleanup.shared.run(mounted) }
            throw error
        }
    }

    /// Mounts tracefs if it is absent (libbpf needs it to attach tracepoints), journaled; returns the
    /// `Cleanup` token that unmounts it, or nil when it was there already.
    public static func mountTraceFSIfAbsent() throws -> Int? {
        guard !TraceFS.isMounted else { return nil }
        return try Cleanup.shared.change("unmount tracefs", { try TraceFS.mount() }, leftover: { .tracefsMount(path: TraceFS.path) },
                                         undo: { TraceFS.unmount() }).token
    }

    /// Sets the object's `probe_cfg` (`struct probe_config`, bpf/probes.h) so that its counting programs count
    /// only this process's events.
    public static func countOnlyThisProcess(_ object: BPFObject) throws {
        try object.map(named: "probe_cfg").update(UInt32(0), probe_config(target_tgid: UInt32(getpid()), pad: 0))
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
}
